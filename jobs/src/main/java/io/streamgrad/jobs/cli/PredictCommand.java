package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.jobs.graph.PredictJob;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.schemas.AvroTrust;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The Flink serving job: Kafka requests + snapshots → OnlinePredictor → Kafka predictions. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description =
        "Run the predictor job: answer requests with the newest snapshot of their model (on the cluster `flink run` submits to, or locally).")
public final class PredictCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin PredictorOptions predictor = new PredictorOptions();
  @Mixin RuntimeOptions runtime = new RuntimeOptions();
  @Mixin JobOptions job = new JobOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(
      names = "--requests-topic",
      defaultValue = "requests",
      description = "Topic of prediction requests (default: ${DEFAULT-VALUE}).")
  String requestsTopic;

  @Option(
      names = "--predictions-topic",
      defaultValue = "predictions",
      description = "Topic the predictions go to, keyed by model id (default: ${DEFAULT-VALUE}).")
  String predictionsTopic;

  @Option(
      names = "--group-id",
      defaultValue = "streamgrad-predict",
      description = "Kafka consumer group of the requests (default: ${DEFAULT-VALUE}).")
  String groupId;

  @Option(
      names = "--max-record-bytes",
      defaultValue = "1000000",
      description =
          "Requests larger than this go to the dead letters as 'record too large: N bytes' (default: ${DEFAULT-VALUE}).")
  int maxRecordBytes;

  @Option(
      names = "--bounded",
      description =
          "Stop at the offsets that are the latest when the job starts (requests and snapshots); every snapshot is read before any request is answered, so each request gets its model's final version (backfills); a request of a model without snapshot goes to the dead letters.")
  boolean bounded;

  static final String NAME = "streamgrad-predict";

  @Override
  public Integer call() throws Exception {
    kafka.validate(true);
    predictor.validate();
    runtime.validate();
    job.validate();
    Check.notBlank("--requests-topic", requestsTopic);
    Check.notBlank("--predictions-topic", predictionsTopic);
    Check.positive("--max-record-bytes", maxRecordBytes);
    KafkaSettings.Builder builder = settings();
    job.applyTo(builder, kafka);
    KafkaSettings settings = builder.build();
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopics(
          "the requests to answer and the snapshots to answer them with",
          List.of(requestsTopic, settings.snapshotsTopic()));
      check.requireTopicsOrAutoCreation(
          "where predictions and dead letters go",
          List.of(predictionsTopic, settings.deadLettersTopic()));
      settings =
          builder
              .deadLetterTopicMaxBytes(check.maxMessageBytes(settings.deadLettersTopic()))
              .build();
    }
    OnlinePredictor p = predictor.build(bounded);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    RuntimeSettings rt = job.runtimeSettings(runtime, NAME);
    RuntimeSettings.StateDirectories dirs = rt.directories(env.getConfiguration());
    List<String> runtimeSaid = job.configure(env, rt);
    Resumption.configure(
        "predict",
        env,
        dirs,
        job.fresh,
        "requests="
            + requestsTopic
            + " snapshots="
            + settings.snapshotsTopic()
            + " predictions="
            + predictionsTopic);
    PredictJob.build(env, settings, p);
    System.err.println(
        "streamgrad predict: "
            + requestsTopic
            + " + "
            + settings.snapshotsTopic()
            + " -> "
            + predictionsTopic
            + ", "
            + p.config());
    runtimeSaid.forEach(line -> System.err.println("streamgrad predict: " + line));
    if (!(env instanceof LocalStreamEnvironment)) {
      env.execute(job.jobName(NAME)); // a cluster's client
      return 0;
    }
    try (JobRun run = JobRun.start("predict", env, job.jobName(NAME), dirs.savepoints())) {
      run.await(Duration.ZERO, restarts -> {});
    }
    return 0;
  }

  KafkaSettings.Builder settings() {
    KafkaSettings.Builder s = kafka.settings();
    s.requestsTopic(requestsTopic);
    s.predictionsTopic(predictionsTopic);
    s.groupId(groupId);
    s.bounded(bounded);
    s.maxRecordBytes(maxRecordBytes);
    if (kafka.transactionalIdPrefix.equals("streamgrad-train")) {
      s.transactionalIdPrefix("streamgrad-predict"); // never the training job's ids
    }
    return s;
  }

  /** The predictor job jar's entry point (see {@link TrainCommand#main}). */
  public static void main(String[] args) {
    AvroTrust.install();
    int code = StreamgradCli.commandLine(new PredictCommand()).execute(args);
    if (code != 0) {
      throw new IllegalStateException(
          "streamgrad predict failed with exit code " + code + " (see the messages above)");
    }
  }
}
