package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.TrainJob;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The Flink training job: Kafka samples → OnlineTrainer → Kafka snapshots (+ dead letters). */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Run the training job (on the cluster `flink run` submits to, or locally).")
public final class TrainCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin TrainerOptions trainer = new TrainerOptions();

  @Option(names = "--group-id", defaultValue = "streamgrad-train", description = "Kafka consumer group (default: ${DEFAULT-VALUE}).")
  String groupId;

  @Option(names = "--starting-offsets", defaultValue = "committed",
      description = "Where a new job starts reading: earliest, latest, committed (the group's offsets, else earliest) or an epoch-millis timestamp (default: ${DEFAULT-VALUE}).")
  String startingOffsets;

  @Option(names = "--parallelism", defaultValue = "0", description = "Job parallelism; 0 = the environment's default (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--checkpoint-interval-ms", defaultValue = "10000", description = "Checkpoint interval; 0 disables (default: ${DEFAULT-VALUE}).")
  long checkpointIntervalMs;

  @Option(names = "--initial-model", paramLabel = "SOURCE",
      description = "Warm start: models without state start from their latest snapshot in SOURCE: topic:NAME (committed snapshots), file:PATH (an Avro container file of WeightSnapshot), or a bare file path or topic name.")
  String initialModel;

  @Option(names = "--buffer-timeout-ms", defaultValue = "-2",
      description = "Flink network buffer timeout: lower means less sample-to-snapshot latency, some throughput cost; 0 flushes every record (default: Flink's, 100 ms).")
  long bufferTimeoutMs;

  @Option(names = "--bounded", description = "Stop at the offsets that are the latest when the job starts (tests, backfills).")
  boolean bounded;

  @Override
  public Integer call() throws Exception {
    if (kafka.bootstrapServers == null) {
      System.err.println("train: --bootstrap-servers is required");
      return 2;
    }
    TrainJob.KafkaSettings settings = kafka.settings();
    if (settings.delivery == org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE && checkpointIntervalMs <= 0) {
      System.err.println("train: --delivery exactly-once commits with checkpoints: set --checkpoint-interval-ms > 0");
      return 2;
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    configure(env, parallelism, checkpointIntervalMs);
    if (bufferTimeoutMs >= 0) {
      env.setBufferTimeout(bufferTimeoutMs);
    }
    settings.groupId = groupId;
    settings.startingOffsets = startingOffsets;
    settings.bounded = bounded;
    java.util.Map<String, io.streamgrad.schemas.WeightSnapshot> initial = java.util.Map.of();
    if (initialModel != null) {
      initial = io.streamgrad.jobs.InitialModels.load(initialModel, settings);
      System.err.println("streamgrad train: warm start of " + initial.size() + " models from " + initialModel);
    }
    OnlineTrainer t = trainer.build(initial);
    TrainJob.build(env, settings, t);
    System.err.println("streamgrad train: " + kafka + ", " + t.config().model.name() + ", " + t.config().optimizer);
    env.execute("streamgrad-train");
    return 0;
  }

  static void configure(StreamExecutionEnvironment env, int parallelism, long checkpointIntervalMs) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false); // everything has a Flink serializer: no Kryo
    env.configure(conf, TrainCommand.class.getClassLoader());
    if (parallelism > 0) {
      env.setParallelism(parallelism);
    }
    if (checkpointIntervalMs > 0) {
      env.enableCheckpointing(checkpointIntervalMs);
    }
  }

  /**
   * The job jar's entry point. It never calls {@code System.exit}: a cluster that runs main()
   * itself (REST {@code /jars/:id/run}, application mode) would exit with it. A failure is thrown.
   */
  public static void main(String[] args) {
    io.streamgrad.schemas.AvroTrust.install();
    int code = new picocli.CommandLine(new TrainCommand()).execute(args);
    if (code != 0) {
      throw new IllegalStateException("streamgrad train failed with exit code " + code + " (see the messages above)");
    }
  }
}
