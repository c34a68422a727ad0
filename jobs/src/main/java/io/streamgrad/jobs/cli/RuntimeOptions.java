package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.graph.RuntimeSettings;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where a job keeps its state and checkpoints, and how often it may fail: shared by {@code train}
 * and {@code local}.
 */
final class RuntimeOptions {
  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description =
          "Where checkpoints go (a path or a URI such as s3://bucket/path); default: the cluster's execution.checkpointing.dir, else <temp dir>/streamgrad/checkpoints.")
  String checkpointDir;

  @Option(
      names = "--savepoint-dir",
      paramLabel = "DIR",
      description =
          "Default target of savepoints; default: the cluster's, else beside the checkpoints (<temp dir>/streamgrad/savepoints).")
  String savepointDir;

  @Option(
      names = "--state-backend",
      description =
          "hashmap (models on the heap) or rocksdb (on local disk, incremental checkpoints, for very many models); default: the cluster's, else hashmap.")
  String stateBackend;

  @Option(
      names = "--rocksdb-dir",
      paramLabel = "DIR",
      description = "RocksDB's local working directory (default: Flink's temp directories).")
  String rocksDbDir;

  @Option(
      names = "--max-restarts",
      description =
          "Failures allowed within 10 minutes; one more ends the job with its error (0: fail at the first); default: the cluster's restart strategy, else "
              + RuntimeSettings.DEFAULT_MAX_RESTARTS
              + " with checkpoints, none without.")
  Integer maxRestarts;

  void validate() {
    if (stateBackend != null) {
      stateBackend("--state-backend", stateBackend);
    }
    if (maxRestarts != null) {
      Check.atLeast("--max-restarts", maxRestarts, 0);
    }
    if (checkpointDir != null) {
      Check.notBlank("--checkpoint-dir", checkpointDir);
    }
    if (savepointDir != null) {
      Check.notBlank("--savepoint-dir", savepointDir);
    }
    if (rocksDbDir != null && !"rocksdb".equals(stateBackend)) {
      throw new BadOption("--rocksdb-dir needs --state-backend rocksdb");
    }
  }

  /** {@code hashmap} or {@code rocksdb}, as given to {@code option}. */
  static RuntimeSettings.StateBackend stateBackend(String option, String value) {
    Check.oneOf(option, value.trim(), "hashmap", "rocksdb");
    return RuntimeSettings.StateBackend.valueOf(value.trim().toUpperCase(Locale.ROOT));
  }

  RuntimeSettings settings(int parallelism, long checkpointIntervalMs) {
    return settings().parallelism(parallelism).checkpointIntervalMs(checkpointIntervalMs).build();
  }

  /** These options' runtime settings, for a command to add its own to. */
  RuntimeSettings.Builder settings() {
    return RuntimeSettings.builder()
        .checkpointDir(checkpointDir)
        .savepointDir(savepointDir)
        .stateBackend(stateBackend == null ? null : stateBackend("--state-backend", stateBackend))
        .rocksDbDir(rocksDbDir)
        .maxRestarts(maxRestarts);
  }
}
