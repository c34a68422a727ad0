package io.streamgrad.jobs.cli;

import io.streamgrad.flink.operator.TrainerOperatorBase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A job the CLI runs on its own MiniCluster, stopped the way an operator expects: the first Ctrl-C
 * (SIGINT) or SIGTERM stops it with a final savepoint, so that the next start continues exactly
 * where it stopped (partial batches included); a second one cancels at once (the last retained
 * checkpoint stays). While it runs, a progress callback is called every interval.
 */
final class JobRun implements AutoCloseable {
  /** How long a final savepoint may take before the job is cancelled instead. */
  static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(2);

  /** The accumulator in which the operators report their attempt: the job's restarts. */
  static final String ATTEMPT = TrainerOperatorBase.ATTEMPT_ACCUMULATOR;

  private final String command;
  private final JobClient job;
  private final String savepointDir;
  private final AtomicInteger signals = new AtomicInteger();
  private volatile String savepoint;
  private SignalHandler previousInt;
  private SignalHandler previousTerm;

  private JobRun(String command, JobClient job, String savepointDir) {
    this.command = command;
    this.job = job;
    this.savepointDir = savepointDir;
  }

  /** Submits {@code env}'s job to its MiniCluster and takes over SIGINT and SIGTERM. */
  static JobRun start(
      String command, StreamExecutionEnvironment env, String jobName, String savepointDir)
      throws Exception {
    JobRun run = new JobRun(command, env.executeAsync(jobName), savepointDir);
    run.previousInt = Signal.handle(new Signal("INT"), s -> run.onSignal(s.getName()));
    run.previousTerm = Signal.handle(new Signal("TERM"), s -> run.onSignal(s.getName()));
    System.err.println(
        "streamgrad "
            + command
            + ": running as job "
            + run.job.getJobID()
            + " (Ctrl-C or SIGTERM stops it with a savepoint)");
    return run;
  }

  /** The path of the final savepoint, once taken; null otherwise. */
  String savepoint() {
    return savepoint;
  }

  /** Whether the job was stopped by a signal. */
  boolean stopped() {
    return signals.get() > 0;
  }

  /** The job's restarts so far, from its operators' attempt numbers; -1 when unknown. */
  int restarts() {
    try {
      return restarts(job.getAccumulators().get(5, TimeUnit.SECONDS));
    } catch (Exception e) {
      return -1;
    }
  }

  static int restarts(Map<String, Object> accumulators) {
    Object a = accumulators.get(ATTEMPT);
    return a instanceof Number n ? n.intValue() : 0;
  }

  /**
   * Waits until the job ends (finished, stopped or failed), calling {@code progress} with the
   * restarts so far every {@code interval} (never when it is zero).
   *
   * @throws ExecutionException the job's failure
   */
  JobExecutionResult await(Duration interval, IntConsumer progress) throws Exception {
    var result = job.getJobExecutionResult();
    while (true) {
      try {
        return interval.isZero()
            ? result.get()
            : result.get(interval.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        progress.accept(restarts());
      }
    }
  }

  /**
   * Stops the job with a savepoint; a job whose tasks are not all running yet (a signal right after
   * a start or a restart) cannot take one, so that is tried again until {@code deadlineNanos}.
   */
  private String stopWithSavepoint(long deadlineNanos) throws Exception {
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      try {
        return job.stopWithSavepoint(false, savepointDir, SavepointFormatType.CANONICAL)
            .get(Math.max(1, left / 1_000_000), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!tasksNotRunningYet(e) || System.nanoTime() + 250_000_000L > deadlineNanos) {
          throw e;
        }
        Thread.sleep(250);
      }
    }
  }

  /** Whether a savepoint failed only because some of the job's tasks were not running yet. */
  static boolean tasksNotRunningYet(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("is not being executed at the moment")
          || m.contains("Not all required tasks are currently running")) {
        return true;
      }
    }
    return false;
  }

  /** Gives SIGINT and SIGTERM back to whoever had them (the JVM: exit). */
  @Override
  public void close() {
    Signal.handle(new Signal("INT"), previousInt);
    Signal.handle(new Signal("TERM"), previousTerm);
  }

  private void onSignal(String name) {
    if (signals.incrementAndGet() > 1) {
      System.err.println(
          "streamgrad " + command + ": SIG" + name + " again: cancelling without a savepoint");
      job.cancel();
      return;
    }
    System.err.println(
        "streamgrad "
            + command
            + ": SIG"
            + name
            + ": stopping with a final savepoint in "
            + savepointDir
            + " (again to cancel at once)…");
    // Not on the signal's thread: it must stay free for a second signal.
    Thread t =
        new Thread(
            () -> {
              try {
                savepoint = stopWithSavepoint(System.nanoTime() + SAVEPOINT_TIMEOUT.toNanos());
                System.err.println(
                    "streamgrad "
                        + command
                        + ": stopped; savepoint "
                        + savepoint
                        + " (the next start continues from it)");
              } catch (Exception e) {
                System.err.println(
                    "streamgrad "
                        + command
                        + ": no final savepoint ("
                        + Failures.describe(e)
                        + "): cancelling; the next start continues from the last checkpoint");
                job.cancel();
              }
            },
            "streamgrad-stop");
    t.setDaemon(true);
    t.start();
  }
}
