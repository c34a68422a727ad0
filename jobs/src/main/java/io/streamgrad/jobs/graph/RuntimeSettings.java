package io.streamgrad.jobs.graph;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * How a streamgrad job runs in Flink: parallelism, checkpoints (interval, where they are stored),
 * the state backend and what happens after a failure. Checkpoints go to files by default, never to
 * the JobManager's memory (capped at 5 MB: a few thousand models). A setting the cluster's
 * configuration already makes (e.g. {@code execution.checkpointing.dir}) wins over streamgrad's
 * defaults; one given explicitly here wins over both.
 */
public final class RuntimeSettings {

  /** The state backends a job can use. */
  public enum StateBackend {
    HASHMAP("hashmap"),
    ROCKSDB("rocksdb");

    public final String flinkName;

    StateBackend(String flinkName) {
      this.flinkName = flinkName;
    }
  }

  /** Failures allowed within {@link #RESTART_WINDOW} before the job gives up, by default. */
  public static final int DEFAULT_MAX_RESTARTS = 5;

  public static final Duration RESTART_WINDOW = Duration.ofMinutes(10);

  private final int parallelism;
  private final long checkpointIntervalMs;
  private final String checkpointDir;
  private final String savepointDir;
  private final StateBackend stateBackend;
  private final String rocksDbDir;
  private final Integer maxRestarts;
  private final Duration restartDelay;
  private final String jobName;

  private RuntimeSettings(Builder b) {
    this.parallelism = b.parallelism;
    this.checkpointIntervalMs = b.checkpointIntervalMs;
    this.checkpointDir = b.checkpointDir;
    this.savepointDir = b.savepointDir;
    this.stateBackend = b.stateBackend;
    this.rocksDbDir = b.rocksDbDir;
    this.maxRestarts = b.maxRestarts;
    this.restartDelay = b.restartDelay;
    this.jobName = b.jobName;
  }

  /** Settings that leave everything to the environment, the cluster and streamgrad's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to derive others from. */
  public Builder toBuilder() {
    return builder()
        .parallelism(parallelism)
        .checkpointIntervalMs(checkpointIntervalMs)
        .checkpointDir(checkpointDir)
        .savepointDir(savepointDir)
        .stateBackend(stateBackend)
        .rocksDbDir(rocksDbDir)
        .maxRestarts(maxRestarts)
        .restartDelay(restartDelay)
        .jobName(jobName);
  }

  /** The explicit checkpoint directory, or null. */
  public String checkpointDir() {
    return checkpointDir;
  }

  /** The explicit restart limit, or null. */
  public Integer maxRestarts() {
    return maxRestarts;
  }

  /** Fluent settings, validated by {@link #build()}. */
  public static final class Builder {
    private int parallelism;
    private long checkpointIntervalMs;
    private String checkpointDir;
    private String savepointDir;
    private StateBackend stateBackend;
    private String rocksDbDir;
    private Integer maxRestarts;
    private Duration restartDelay = Duration.ofSeconds(1);
    private String jobName;

    private Builder() {}

    /**
     * The job's name, or null. With a name, checkpoints and savepoints go to a directory of that
     * name under theirs: a restart of the same job finds them there ({@link JobStates}).
     */
    public Builder jobName(String name) {
      this.jobName = name;
      return this;
    }

    /** 0 = the environment's default. */
    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
      return this;
    }

    /** 0 disables checkpoints. */
    public Builder checkpointIntervalMs(long millis) {
      this.checkpointIntervalMs = millis;
      return this;
    }

    /**
     * Explicit checkpoint directory (a path or URI), or null: the cluster's, else {@link
     * #defaultCheckpointDir()}.
     */
    public Builder checkpointDir(String dir) {
      this.checkpointDir = dir;
      return this;
    }

    /** Explicit savepoint directory, or null: the cluster's, else beside the checkpoints. */
    public Builder savepointDir(String dir) {
      this.savepointDir = dir;
      return this;
    }

    /** Explicit state backend, or null: the cluster's, else the heap (hashmap). */
    public Builder stateBackend(StateBackend backend) {
      this.stateBackend = backend;
      return this;
    }

    /** RocksDB's local working directory, or null: Flink's (the TaskManager's temp dirs). */
    public Builder rocksDbDir(String dir) {
      this.rocksDbDir = dir;
      return this;
    }

    /**
     * Explicit restart limit (failures per {@link #RESTART_WINDOW}), or null: the cluster's, else
     * {@link #DEFAULT_MAX_RESTARTS} with checkpoints (without them Flink's default: no restart).
     */
    public Builder maxRestarts(Integer limit) {
      this.maxRestarts = limit;
      return this;
    }

    /** Delay between restarts (default 1 s). */
    public Builder restartDelay(Duration delay) {
      this.restartDelay = Objects.requireNonNull(delay, "restartDelay");
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the value out of range
     */
    public RuntimeSettings build() {
      if (parallelism < 0 || checkpointIntervalMs < 0) {
        throw new IllegalArgumentException(
            "parallelism and checkpoint interval must not be negative: "
                + parallelism
                + ", "
                + checkpointIntervalMs);
      }
      if (maxRestarts != null && maxRestarts < 0) {
        throw new IllegalArgumentException("max restarts must not be negative: " + maxRestarts);
      }
      if (jobName != null && !jobName.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException(
            "a job name is letters, digits, '.', '_' and '-' (it names a directory): " + jobName);
      }
      if (restartDelay.isNegative()) {
        throw new IllegalArgumentException("restart delay must not be negative: " + restartDelay);
      }
      return new RuntimeSettings(this);
    }
  }

  /**
   * Where checkpoints go when nothing else says: under the temp directory, kept across runs of the
   * same machine.
   */
  public static String defaultCheckpointDir() {
    return uri(
        Path.of(System.getProperty("java.io.tmpdir"), "streamgrad", "checkpoints").toString());
  }

  /** Managed memory per task slot a local (MiniCluster) run gives RocksDB. */
  public static final MemorySize LOCAL_ROCKSDB_MEMORY_PER_SLOT = MemorySize.parse("256m");

  /**
   * The configuration of a MiniCluster with {@code slots} slots for these settings. RocksDB gets
   * {@link #LOCAL_ROCKSDB_MEMORY_PER_SLOT} of managed memory (off the heap) per slot: with Flink's
   * local default of 128 MB for the whole task manager, a subtask's write buffers are so small that
   * RocksDB flushes a file every few writes, and a million-model run is five times slower.
   */
  public Configuration miniClusterConfig(int slots) {
    Configuration conf = new Configuration();
    if (stateBackend == StateBackend.ROCKSDB) {
      conf.set(
          TaskManagerOptions.MANAGED_MEMORY_SIZE,
          new MemorySize(LOCAL_ROCKSDB_MEMORY_PER_SLOT.getBytes() * Math.max(1, slots)));
    }
    return conf;
  }

  /**
   * Applies these settings to {@code env}; returns lines that say where checkpoints and savepoints
   * go.
   */
  public List<String> applyTo(StreamExecutionEnvironment env) {
    ReadableConfig cluster = env.getConfiguration();
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false); // everything has a Flink serializer: no Kryo
    List<String> said = new ArrayList<>();
    StateDirectories dirs = directories(cluster);
    // Savepoints need no periodic checkpoints: a job stopped with one resumes from it.
    conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, dirs.savepoints());
    if (checkpointIntervalMs > 0) {
      conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dirs.checkpoints());
      // Kept when the job is cancelled, so a job can be resumed from its last checkpoint.
      conf.set(
          CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
          ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
      said.add(
          "checkpoints every "
              + checkpointIntervalMs
              + " ms to "
              + dirs.checkpoints()
              + " (savepoints: "
              + dirs.savepoints()
              + ")");
    } else {
      said.add("checkpoints off (savepoints: " + dirs.savepoints() + ")");
    }
    StateBackend backend = stateBackend;
    if (backend == null && cluster.getOptional(StateBackendOptions.STATE_BACKEND).isEmpty()) {
      backend = StateBackend.HASHMAP;
    }
    if (backend != null) {
      conf.set(StateBackendOptions.STATE_BACKEND, backend.flinkName);
      if (backend == StateBackend.ROCKSDB) {
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        if (rocksDbDir != null) {
          conf.setString("state.backend.rocksdb.localdir", rocksDbDir);
        }
      }
      said.add(
          "state backend: "
              + backend.flinkName
              + (backend == StateBackend.ROCKSDB ? " (incremental checkpoints)" : ""));
    }
    // Without checkpoints a restart would replay from the starting offsets: Flink's default (no
    // restart) stays unless restarts are asked for.
    boolean defaultRestarts =
        checkpointIntervalMs > 0
            && cluster.getOptional(RestartStrategyOptions.RESTART_STRATEGY).isEmpty();
    if (maxRestarts != null || defaultRestarts) {
      int limit = maxRestarts != null ? maxRestarts : DEFAULT_MAX_RESTARTS;
      if (limit == 0) {
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      } else {
        // A failure that keeps coming back (state too large, a sink that refuses a record) ends
        // the job with its cause instead of a restart loop; occasional failures are survived.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
        conf.set(
            RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL, limit);
        conf.set(
            RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
            RESTART_WINDOW);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY, restartDelay);
      }
      said.add(
          "restarts: at most "
              + limit
              + " in "
              + RESTART_WINDOW.toMinutes()
              + " min, then the job fails with its error");
    }
    env.configure(conf, RuntimeSettings.class.getClassLoader());
    if (parallelism > 0) {
      env.setParallelism(parallelism);
    }
    if (checkpointIntervalMs > 0) {
      env.enableCheckpointing(checkpointIntervalMs);
    }
    return said;
  }

  /**
   * Where a job's checkpoints and savepoints go (URIs), each under the job's name if it has one.
   */
  public record StateDirectories(String checkpoints, String savepoints) {}

  /**
   * The directories of these settings on a cluster configured with {@code cluster}: an explicit
   * directory, else the cluster's, else {@link #defaultCheckpointDir()}; savepoints beside the
   * checkpoints unless said otherwise.
   */
  public StateDirectories directories(ReadableConfig cluster) {
    String dir =
        checkpointDir != null
            ? uri(checkpointDir)
            : cluster.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).orElse(null);
    if (dir == null) {
      dir = defaultCheckpointDir();
    }
    String savepoints =
        savepointDir != null
            ? uri(savepointDir)
            : cluster.getOptional(CheckpointingOptions.SAVEPOINT_DIRECTORY).orElse(null);
    if (savepoints == null) {
      savepoints =
          dir.endsWith("/checkpoints")
              ? dir.substring(0, dir.length() - "checkpoints".length()) + "savepoints"
              : dir + "/savepoints";
    }
    String sub = jobName == null ? "" : "/" + jobName;
    return new StateDirectories(dir + sub, savepoints + sub);
  }

  /** A plain path as a file URI; a URI ({@code s3://…}, {@code file:/…}) as it is. */
  static String uri(String pathOrUri) {
    String u =
        pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")
            ? pathOrUri
            : Path.of(pathOrUri).toAbsolutePath().toUri().toString();
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }
}
