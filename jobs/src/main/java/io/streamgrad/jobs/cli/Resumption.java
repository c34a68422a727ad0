package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.graph.JobStates;
import io.streamgrad.jobs.graph.RuntimeSettings;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where a {@code train} or {@code predict} job continues from: the state Flink was given ({@code
 * flink run -s}), else the newest checkpoint or savepoint its earlier runs left under its name,
 * else nothing (a new job). {@code --fresh} starts over. One line says which. The states are
 * another job's when it said it reads or writes other topics or trains another model: then it
 * refuses, rather than restore them.
 */
final class Resumption {
  private Resumption() {}

  /**
   * Configures {@code env} to restore the newest state in {@code dirs} (the job's, computed before
   * {@code env} was configured with them) and says so; returns where it restores from, empty for a
   * new job.
   */
  static Optional<String> configure(
      String command,
      StreamExecutionEnvironment env,
      RuntimeSettings.StateDirectories dirs,
      boolean fresh,
      String identity)
      throws IOException {
    Optional<String> from = find(command, env, dirs, fresh, identity);
    JobStates.writeIdentity(dirs, identity);
    return from;
  }

  private static Optional<String> find(
      String command,
      StreamExecutionEnvironment env,
      RuntimeSettings.StateDirectories dirs,
      boolean fresh,
      String identity)
      throws IOException {
    Optional<String> given =
        env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
    if (given.isPresent()) {
      say(command, "restoring from " + given.get() + " (as Flink was told)");
      return given;
    }
    if (fresh) {
      say(
          command,
          "starting fresh (--fresh): earlier states in "
              + dirs.checkpoints()
              + " and "
              + dirs.savepoints()
              + " are not used");
      return Optional.empty();
    }
    JobStates states = JobStates.in(dirs);
    Optional<JobStates.State> newest = states.newest();
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    String before = JobStates.identity(dirs);
    if (before != null && !before.equals(identity)) {
      // Restoring another job's state would read its topics, or fail on its models.
      throw new BadOption(
          "the states in "
              + dirs.checkpoints()
              + " are another job's ("
              + before
              + "; this one: "
              + identity
              + "): give this job its own --job-name, or --fresh to start over");
    }
    JobStates.State from = newest.get();
    Configuration conf = new Configuration();
    conf.set(StateRecoveryOptions.SAVEPOINT_PATH, from.path());
    env.configure(conf, Resumption.class.getClassLoader());
    int deleted = states.deleteAllBut(from);
    say(
        command,
        "continuing from its "
            + from
            + (deleted > 0 ? "; " + deleted + " older states of the job deleted" : "")
            + " (--fresh starts over)");
    return Optional.of(from.path());
  }

  static void say(String command, String line) {
    System.err.println("streamgrad " + command + ": " + line);
  }
}
