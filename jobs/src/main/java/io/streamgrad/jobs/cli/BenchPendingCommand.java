package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PendingStateBench;
import io.streamgrad.jobs.graph.RuntimeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The feedback join's state and checkpoints against its pending events. */
@Command(
    name = "pending",
    mixinStandardHelpOptions = true,
    description =
        "The feedback job's state against its pending events: events that wait for their labels (a 1-day window, none labelled) stream in at full speed; each completed checkpoint's full state size, checkpointed bytes and duration, beside the events pending and this JVM's heap in use and resident memory (run it with -Xmx to bound the heap).")
final class BenchPendingCommand implements Callable<Integer> {

  @Option(
      names = "--events",
      defaultValue = "10000000",
      description = "Events pending at the end (default: ${DEFAULT-VALUE}).")
  long events;

  @Option(
      names = "--models",
      defaultValue = "1000",
      description = "Models the events are spread over (default: ${DEFAULT-VALUE}).")
  int models;

  @Option(
      names = "--state-backend",
      defaultValue = "rocksdb",
      paramLabel = "hashmap|rocksdb",
      description = "State backend (default: ${DEFAULT-VALUE}).")
  String stateBackend;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "20s",
      converter = DurationConverter.class,
      description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
  Duration interval;

  @Override
  public Integer call() throws Exception {
    Check.positive("--events", events);
    Check.positive("--models", models);
    RuntimeSettings.StateBackend backend =
        RuntimeOptions.stateBackend("--state-backend", stateBackend);
    Path dir = Files.createTempDirectory("streamgrad-pending-bench");
    try {
      List<PendingStateBench.Row> rows =
          new PendingStateBench(dir, interval.toMillis()).run(backend, events, models);
      System.out.println();
      System.out.printf(
          "%s, %,d models, max heap %,d MiB%n",
          backend.flinkName, models, Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf(
          "%14s %16s %18s %14s %14s %14s %12s%n",
          "pending events",
          "full state",
          "checkpointed",
          "ckpt duration",
          "heap in use",
          "resident",
          "state/event");
      for (PendingStateBench.Row r : rows) {
        System.out.printf(
            "%,14d %,14d B %,16d B %,11d ms %,10d MiB %,10d MiB %,10d B%n",
            r.pending(),
            r.stateBytes(),
            r.checkpointedBytes(),
            r.durationMillis(),
            r.heapUsedBytes() >> 20,
            r.residentBytes() >> 20,
            r.pending() == 0 ? 0 : r.stateBytes() / r.pending());
      }
      return 0;
    } finally {
      LocalCommand.deleteRecursively(dir);
    }
  }
}
