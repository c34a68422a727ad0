package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.graph.InitialModels;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.schemas.AvroTrust;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The Flink training job: Kafka samples → OnlineTrainer → Kafka snapshots (+ dead letters). */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Run the training job (on the cluster `flink run` submits to, or locally).")
public final class TrainCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin TrainerOptions trainer = new TrainerOptions();
  @Mixin RuntimeOptions runtime = new RuntimeOptions();
  @Mixin JobOptions job = new JobOptions();
  @Mixin InputOptions input = new InputOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(
      names = "--group-id",
      defaultValue = "streamgrad-train",
      description = "Kafka consumer group (default: ${DEFAULT-VALUE}).")
  String groupId;

  @Option(
      names = "--initial-model",
      paramLabel = "SOURCE",
      description =
          "Warm start: models without state start from their latest snapshot in SOURCE: topic:NAME (committed snapshots), file:PATH (an Avro container file of WeightSnapshot), or a bare file path or topic name.")
  String initialModel;

  @Option(
      names = "--requests-topic",
      description =
          "Answer the prediction requests of this topic with the live models, in the training job (zero staleness); predictions go to --predictions-topic.")
  String requestsTopic;

  @Option(
      names = "--predictions-topic",
      defaultValue = "predictions",
      description =
          "Where predictions go (with --requests-topic or --prequential-predictions) (default: ${DEFAULT-VALUE}).")
  String predictionsTopic;

  @Option(
      names = "--bounded",
      description =
          "Stop at the offsets that are the latest when the job starts (tests, backfills).")
  boolean bounded;

  @Override
  public Integer call() throws Exception {
    // Every option first: nothing is submitted with a value the job would refuse later.
    kafka.validate(true);
    trainer.validate();
    runtime.validate();
    job.validate();
    List<String> writerSchemas = input.validate();
    if (requestsTopic != null) {
      Check.notBlank("--requests-topic", requestsTopic);
    }
    Check.notBlank("--predictions-topic", predictionsTopic);
    KafkaSettings.Builder builder =
        kafka
            .settings()
            .groupId(groupId)
            .bounded(bounded)
            .requestsTopic(requestsTopic)
            .predictionsTopic(predictionsTopic);
    job.applyTo(builder, kafka);
    input.applyTo(builder, writerSchemas);
    KafkaSettings settings = builder.build();
    boolean predicts = requestsTopic != null || trainer.prequentialPredictions;
    try (KafkaPreflight kafkaCheck = kafka.preflight()) {
      kafkaCheck.requireTopics("the samples to train on", List.of(settings.samplesTopic()));
      kafkaCheck.requireTopicsOrAutoCreation(
          "where snapshots and dead letters go",
          List.of(settings.snapshotsTopic(), settings.deadLettersTopic()));
      if (trainer.quality.publishIf != null) {
        kafkaCheck.requireTopicsOrAutoCreation(
            "where held-back snapshots go", List.of(settings.heldBackTopic()));
      }
      if (!trainer.quality.drift.equals("none")) {
        kafkaCheck.requireTopicsOrAutoCreation(
            "where drift events go", List.of(settings.driftsTopic()));
      }
      if (requestsTopic != null) {
        kafkaCheck.requireTopics("the prediction requests to answer", List.of(requestsTopic));
      }
      if (predicts) {
        kafkaCheck.requireTopicsOrAutoCreation(
            "where predictions go", List.of(settings.predictionsTopic()));
      }
      settings =
          builder
              .deadLetterTopicMaxBytes(kafkaCheck.maxMessageBytes(settings.deadLettersTopic()))
              .build();
    }
    InitialModels.Loaded initial = InitialModels.Loaded.none();
    if (initialModel != null) {
      initial = InitialModels.load(initialModel, settings);
      System.err.println(
          "streamgrad train: warm start of " + initial.size() + " models from " + initialModel);
    }
    OnlineTrainer t = trainer.build(initial);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    List<String> runtimeSaid = job.configure(env, runtime);
    TrainJob.build(env, settings, t);
    System.err.println(
        "streamgrad train: "
            + kafka
            + ", "
            + t.config().model.name()
            + ", "
            + t.config().optimizer);
    runtimeSaid.forEach(line -> System.err.println("streamgrad train: " + line));
    env.execute("streamgrad-train");
    return 0;
  }

  /**
   * The job jar's entry point. It never calls {@code System.exit}: a cluster that runs main()
   * itself (REST {@code /jars/:id/run}, application mode) would exit with it. A failure is thrown.
   */
  public static void main(String[] args) {
    AvroTrust.install();
    int code = StreamgradCli.commandLine(new TrainCommand()).execute(args);
    if (code != 0) {
      throw new IllegalStateException(
          "streamgrad train failed with exit code " + code + " (see the messages above)");
    }
  }
}
