package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Option;

/**
 * Options of the Flink jobs {@code train} and {@code predict} submit: where a new job starts
 * reading, its parallelism, checkpoints and network buffer timeout.
 */
final class JobOptions {
  @Option(
      names = "--starting-offsets",
      defaultValue = "committed",
      description =
          "Where a new job starts reading its input (samples, or requests): earliest, latest, committed (the group's offsets, else earliest) or an epoch-millis timestamp; a restored job resumes from its checkpoint, and predict always reads snapshots from the start (default: ${DEFAULT-VALUE}).")
  String startingOffsets;

  @Option(
      names = "--parallelism",
      defaultValue = "0",
      description = "Job parallelism; 0 = the environment's default (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--checkpoint-interval-ms",
      defaultValue = "10000",
      description = "Checkpoint interval; 0 disables (default: ${DEFAULT-VALUE}).")
  long checkpointIntervalMs;

  @Option(
      names = "--buffer-timeout-ms",
      description =
          "Flink network buffer timeout: lower means less latency (sample to snapshot, request to prediction), some throughput cost; 0 flushes every record (default: Flink's, 100 ms).")
  Long bufferTimeoutMs;

  @Option(
      names = "--job-name",
      paramLabel = "NAME",
      description =
          "The job's name; its checkpoints and savepoints are kept under it, and a start with the same name (and checkpoint directory) continues from the newest of them (default: streamgrad-train, streamgrad-predict).")
  String jobName;

  @Option(
      names = "--fresh",
      description =
          "Start over: ignore the job's checkpoints and savepoints and, for train, the models on the snapshot topic.")
  boolean fresh;

  /** Checks the values (no connection yet). */
  void validate() {
    Check.atLeast("--parallelism", parallelism, 0);
    Check.atLeast("--checkpoint-interval-ms", checkpointIntervalMs, 0);
    if (bufferTimeoutMs != null) {
      Check.atLeast("--buffer-timeout-ms", bufferTimeoutMs, 0);
    }
    if (jobName != null && !jobName.matches("[A-Za-z0-9._-]+")) {
      throw new BadOption(
          "--job-name must be letters, digits, '.', '_' and '-' (it names a directory), got '"
              + jobName
              + "'");
    }
    try {
      StartingOffsets.parse(startingOffsets);
    } catch (IllegalArgumentException e) {
      throw new BadOption("--" + e.getMessage().replace("starting offsets", "starting-offsets"));
    }
  }

  /** Where {@code settings} start reading; refuses exactly-once without checkpoints. */
  void applyTo(KafkaSettings.Builder settings, KafkaOptions kafka) {
    if (kafka.exactlyOnce() && checkpointIntervalMs <= 0) {
      throw new BadOption(
          "--delivery exactly-once commits with checkpoints: set --checkpoint-interval-ms > 0");
    }
    settings.startingOffsets(StartingOffsets.parse(startingOffsets));
  }

  /** The job's runtime settings: {@code runtime}'s with these options, named. */
  RuntimeSettings runtimeSettings(RuntimeOptions runtime, String defaultJobName) {
    return runtime
        .settings()
        .parallelism(parallelism)
        .checkpointIntervalMs(checkpointIntervalMs)
        .jobName(jobName != null ? jobName : defaultJobName)
        .build();
  }

  /** The job's name. */
  String jobName(String defaultJobName) {
    return jobName != null ? jobName : defaultJobName;
  }

  /** Configures {@code env} with {@code settings} and these options; returns what it chose. */
  List<String> configure(StreamExecutionEnvironment env, RuntimeSettings settings) {
    List<String> said = settings.applyTo(env);
    if (bufferTimeoutMs != null) {
      env.setBufferTimeout(bufferTimeoutMs);
    }
    return said;
  }
}
