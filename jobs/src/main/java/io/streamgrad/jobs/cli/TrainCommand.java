package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.graph.FeedbackJob;
import io.streamgrad.jobs.graph.InitialModels;
import io.streamgrad.jobs.graph.InputTap;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
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
  @Mixin FeedbackOptions feedback = new FeedbackOptions();

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

  @Option(
      names = "--progress-interval",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How often train, run on its own, prints its progress (samples trained and per second, models, snapshots, dead letters, restarts); 0s = never (default: ${DEFAULT-VALUE}).")
  Duration progressInterval;

  @Option(
      names = "--max-dead-letters",
      defaultValue = "0.1",
      paramLabel = "FRACTION",
      description =
          "A run that sent more than this share of its input to the dead letters ends with exit code "
              + REFUSED_TOO_MUCH
              + " (default: ${DEFAULT-VALUE}).")
  double maxDeadLetters;

  /** The exit code of a run that refused more of its input than {@code --max-dead-letters}. */
  static final int REFUSED_TOO_MUCH = 3;

  static final String NAME = "streamgrad-train";

  @Override
  public Integer call() throws Exception {
    // Every option first: nothing is submitted with a value the job would refuse later.
    kafka.validate(true);
    trainer.validate();
    runtime.validate();
    job.validate();
    List<String> writerSchemas = input.validate();
    Check.inRange("--max-dead-letters", maxDeadLetters, 0, 1, false);
    if (requestsTopic != null) {
      Check.notBlank("--requests-topic", requestsTopic);
    }
    Check.notBlank("--predictions-topic", predictionsTopic);
    feedback.validate(requestsTopic);
    KafkaSettings.Builder builder =
        kafka
            .settings()
            .groupId(groupId)
            .bounded(bounded)
            .requestsTopic(requestsTopic)
            .labelsTopic(feedback.labelsTopic)
            .labelFormat(feedback.labelFormat())
            .predictionsTopic(predictionsTopic);
    job.applyTo(builder, kafka);
    input.applyTo(builder, writerSchemas);
    KafkaSettings settings = builder.build();
    boolean predicts = requestsTopic != null || trainer.prequentialPredictions;
    try (KafkaPreflight kafkaCheck = kafka.preflight()) {
      if (feedback.enabled()) {
        kafkaCheck.requireTopics("the labels to learn from", List.of(feedback.labelsTopic));
        kafkaCheck.requireTopicsOrAutoCreation(
            "where the feedback reports go", List.of(settings.feedbackTopic()));
      } else {
        kafkaCheck.requireTopics("the samples to train on", List.of(settings.samplesTopic()));
      }
      kafkaCheck.requireTopicsOrAutoCreation(
          "where snapshots and dead letters go",
          List.of(settings.snapshotsTopic(), settings.deadLettersTopic()));
      if (trainer.quality.publishIf != null) {
        kafkaCheck.requireTopicsOrAutoCreation(
            "where held-back snapshots go", List.of(settings.heldBackTopic()));
      }
      if (trainer.quality.driftOn()) {
        boolean nowhere =
            !kafkaCheck.missing(List.of(settings.driftsTopic())).isEmpty()
                && !kafkaCheck.autoCreatesTopics();
        if (nowhere && !trainer.quality.driftAsked()) {
          trainer.quality.driftOff();
          say(
              "drift detection off: topic '"
                  + settings.driftsTopic()
                  + "' does not exist and the brokers do not create topics (create it to have"
                  + " the models watched; --drift none silences this)");
        } else {
          kafkaCheck.requireTopicsOrAutoCreation(
              "where drift events go", List.of(settings.driftsTopic()));
        }
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
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    RuntimeSettings rt = job.runtimeSettings(runtime, NAME);
    RuntimeSettings.StateDirectories dirs = rt.directories(env.getConfiguration());
    List<String> runtimeSaid = job.configure(env, rt);
    Optional<String> restored =
        Resumption.configure("train", env, dirs, job.fresh, identity(settings));
    if (bounded && restored.isPresent()) {
      say(
          "--bounded: a restored job keeps the end each partition got when it was first read"
              + " (none if that run was not bounded: then it does not stop by itself)");
    }
    InitialModels.Loaded initial = InitialModels.Loaded.none();
    if (initialModel != null) {
      initial = InitialModels.load(initialModel, settings);
      say("warm start of " + initial.size() + " models from " + initialModel);
    } else if (restored.isEmpty() && !job.fresh) {
      initial = continueFromSnapshots(settings);
    }
    OnlineTrainer t = trainer.build(initial);
    try (KafkaPreflight kafkaCheck = kafka.preflight()) {
      requireSinksTakeRecords(kafkaCheck, settings, t);
    }
    if (feedback.enabled()) {
      try {
        FeedbackJob.build(
            env,
            settings,
            t,
            feedback.config(),
            feedback.eventTime(),
            feedback.reportInterval,
            InputTap.NONE);
      } catch (IllegalArgumentException e) {
        throw new BadOption(e.getMessage());
      }
      say("feedback join: " + feedback.config() + "; " + feedback.eventTime());
    } else {
      TrainJob.build(env, settings, t);
    }
    say(kafka + ", " + t.config().model.name() + ", " + t.config().optimizer);
    runtimeSaid.forEach(TrainCommand::say);
    if (!(env instanceof LocalStreamEnvironment)) {
      env.execute(job.jobName(NAME)); // a cluster's client: it reports, not this command
      return 0;
    }
    // Where the models stood when the run started; read once: continuing from the snapshot
    // topic read it already.
    boolean continuedFromSnapshots = restored.isEmpty() && !job.fresh && initialModel == null;
    Map<String, Long> baseline =
        job.fresh
            ? Map.of()
            : continuedFromSnapshots
                ? initial.samplesSeen()
                : InitialModels.samplesSeen(settings, settings.snapshotsTopic());
    Set<String> inputs = new HashSet<>(List.of(settings.samplesTopic()));
    if (requestsTopic != null) {
      inputs.add(requestsTopic);
    }
    if (feedback.enabled()) {
      inputs.add(feedback.labelsTopic);
    }
    try (TrainReport report =
        new TrainReport(
                kafka, settings.snapshotsTopic(), settings.deadLettersTopic(), inputs, baseline)
            .withFeedback(feedback.enabled() ? settings.feedbackTopic() : null)) {
      JobExecutionResult result;
      boolean stopped;
      try (JobRun run = JobRun.start("train", env, job.jobName(NAME), dirs.savepoints())) {
        result = run.await(progressInterval, restarts -> report.progress(restarts, System.err));
        stopped = run.stopped();
      }
      TrainReport.Accounting done =
          report.finish(JobRun.restarts(result.getAllAccumulatorResults()));
      System.out.println(
          "streamgrad train: " + (stopped ? "stopped" : "done") + ": " + done.line());
      if (done.refusedFraction() > maxDeadLetters) {
        System.err.printf(
            "streamgrad train: %.1f%% of the input went to the dead letters (more than"
                + " --max-dead-letters %s): exit code %d%n",
            100 * done.refusedFraction(), maxDeadLetters, REFUSED_TOO_MUCH);
        return REFUSED_TOO_MUCH;
      }
    }
    return 0;
  }

  /**
   * A new job without {@code --initial-model}: the models on the snapshot topic continue from their
   * newest snapshots (versions and counts continue upwards), so that a restart without a checkpoint
   * does not start every model over.
   */
  private InitialModels.Loaded continueFromSnapshots(KafkaSettings settings) {
    String topic = settings.snapshotsTopic();
    try (KafkaPreflight check = kafka.preflight()) {
      if (!check.missing(List.of(topic)).isEmpty()) {
        say("a new job: no checkpoint, no savepoint, and no snapshot topic '" + topic + "' yet");
        return InitialModels.Loaded.none();
      }
    }
    InitialModels.Loaded loaded = InitialModels.fromTopic(settings, topic);
    if (loaded.isEmpty()) {
      say("a new job: no checkpoint, no savepoint, and no snapshots on '" + topic + "'");
    } else {
      say(
          "no checkpoint or savepoint: "
              + loaded.size()
              + " models continue from their newest snapshots on '"
              + topic
              + "' (versions continue; what a model learned after its last snapshot, and its"
              + " partial batch, when the last run stopped are not in them; --fresh starts over)");
    }
    return loaded;
  }

  /**
   * Refuses sinks that would refuse the job's records, naming them, instead of a job that fails on
   * its first such record after its restarts: topics too small for the records, or that this client
   * may not write to.
   */
  private void requireSinksTakeRecords(
      KafkaPreflight check, KafkaSettings settings, OnlineTrainer job) {
    int producerMax = settings.producerMaxRequestBytes();
    int snapshot = Snapshots.largestRecordBytes(job.config(), DenseSample.MAX_MODEL_ID_LENGTH);
    check.requireRoom(
        settings.snapshotsTopic(), snapshot, "the snapshots of this model", producerMax);
    List<String> sinks =
        new ArrayList<>(List.of(settings.snapshotsTopic(), settings.deadLettersTopic()));
    if (job.config().quality.gate() != null) {
      check.requireRoom(settings.heldBackTopic(), snapshot, "held-back snapshots", producerMax);
      sinks.add(settings.heldBackTopic());
    }
    if (job.config().quality.drift() != null) {
      check.requireRoom(settings.driftsTopic(), SMALL_RECORD_BYTES, "drift events", producerMax);
      sinks.add(settings.driftsTopic());
    }
    if (requestsTopic != null || trainer.prequentialPredictions) {
      check.requireRoom(
          settings.predictionsTopic(), SMALL_RECORD_BYTES, "predictions", producerMax);
      sinks.add(settings.predictionsTopic());
    }
    check.requireWritable("where the job writes", sinks);
  }

  /**
   * The most a prediction or drift event takes: a model id and a request id of at most 256
   * characters each (UTF-8: 4 bytes each at most) and a few numbers.
   */
  static final int SMALL_RECORD_BYTES =
      4 * (DenseSample.MAX_MODEL_ID_LENGTH + DenseRequest.MAX_REQUEST_ID_LENGTH) + 256;

  /** What this job is, as far as restoring its state goes: its topics and its model. */
  private String identity(KafkaSettings settings) {
    return "samples="
        + settings.samplesTopic()
        + " snapshots="
        + settings.snapshotsTopic()
        + (requestsTopic == null ? "" : " requests=" + requestsTopic)
        + (feedback.enabled() ? " labels=" + feedback.labelsTopic : "")
        + " model="
        + trainer.model
        + "("
        + trainer.features
        + ") optimizer="
        + trainer.optimizer;
  }

  private static void say(String line) {
    System.err.println("streamgrad train: " + line);
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
