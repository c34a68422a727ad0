package io.streamgrad.jobs;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.operator.DeadLetterMetrics;
import io.streamgrad.jobs.demo.FailureInjection;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The training job graph: Kafka samples (single-object Avro) → decode and validate → {@link
 * OnlineTrainer} → Kafka snapshots; every record that cannot be trained on goes to the dead-letter
 * topic with its reason.
 */
public final class TrainJob {

  /** Records the decoder or validator refused. */
  static final OutputTag<DeadLetter> UNDECODABLE =
      new OutputTag<>("streamgrad-undecodable", new AvroTypeInfo<>(DeadLetter.class));

  /** A broker's default {@code transaction.max.timeout.ms}. */
  static final long BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000;

  /** A broker's default {@code message.max.bytes} (a topic's {@code max.message.bytes}). */
  public static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

  /** A producer's default {@code max.request.size}. */
  static final int PRODUCER_DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

  /**
   * The producer batch of a sparse model's snapshots ({@link #snapshotWriting}): a delta of ~30,000
   * rows; with Kafka's default 32 MiB of producer buffer, 128 partitions can each hold a batch
   * open.
   */
  static final int SPARSE_SNAPSHOT_BATCH_BYTES = 256 * 1024;

  /** Room for a dead letter's key (its reason) and Kafka's record and batch headers. */
  static final int RECORD_OVERHEAD_BYTES = 1024;

  private TrainJob() {}

  /**
   * What the job reads and writes and how: Kafka connection, topics and delivery, input limits and
   * writer schemas, and chaos for demos.
   */
  public static final class Settings {
    public String bootstrapServers;
    public String samplesTopic = "samples";
    public String snapshotsTopic = "snapshots";
    public String deadLettersTopic = "dead-letters";

    /**
     * Prediction requests: answered in the training job by the live models when set ({@code train
     * --requests-topic}); what the predictor job reads ({@code predict}).
     */
    public String requestsTopic;

    /** Where predictions go (answers to requests, prequential predictions). */
    public String predictionsTopic = "predictions";

    /** Where drift events go (when the trainer watches for drift). */
    public String driftsTopic = "drifts";

    /** Where snapshots the quality gate held back go (when the trainer has a gate). */
    public String heldBackTopic = "snapshots-held-back";

    /** How samples are written: {@code avro} (single-object encoding) or {@code json}. */
    public String sampleFormat = "avro";

    public String groupId = "streamgrad-train";

    /** earliest, latest, committed (falling back to earliest), or a timestamp in epoch millis. */
    public String startingOffsets = "committed";

    public boolean bounded;

    /** AT_LEAST_ONCE, or EXACTLY_ONCE: Kafka transactions committed with Flink's checkpoints. */
    public DeliveryGuarantee delivery = DeliveryGuarantee.AT_LEAST_ONCE;

    /** Prefix of the sinks' transactional ids: unique per job writing to a cluster. */
    public String transactionalIdPrefix = "streamgrad-train";

    public Properties clientProperties = new Properties();

    /**
     * Chaos for tests and demos: fail the job after these many processed samples (see {@link
     * FailureInjection}).
     */
    public long[] failAfter = new long[0];

    /** Identifies this run's failure counters. */
    public String runId = "train";

    /** Records larger than this are refused before decoding ({@code record too large: N bytes}). */
    public int maxRecordBytes = SampleDecoder.DEFAULT_MAX_RECORD_BYTES;

    /**
     * Writer schemas of {@code Sample} that producers announced, as JSON, besides the released
     * ones.
     */
    public List<String> writerSchemas = List.of();

    /**
     * The dead-letter topic's {@code max.message.bytes}, when known (the job's preflight reads it).
     */
    public int deadLetterTopicMaxBytes = BROKER_DEFAULT_MAX_MESSAGE_BYTES;

    /** A copy, with its own client properties, for a part of a job that sets some of its own. */
    public Settings copy() {
      Settings s = new Settings();
      s.bootstrapServers = bootstrapServers;
      s.samplesTopic = samplesTopic;
      s.snapshotsTopic = snapshotsTopic;
      s.deadLettersTopic = deadLettersTopic;
      s.requestsTopic = requestsTopic;
      s.predictionsTopic = predictionsTopic;
      s.driftsTopic = driftsTopic;
      s.heldBackTopic = heldBackTopic;
      s.sampleFormat = sampleFormat;
      s.groupId = groupId;
      s.startingOffsets = startingOffsets;
      s.bounded = bounded;
      s.delivery = delivery;
      s.transactionalIdPrefix = transactionalIdPrefix;
      s.clientProperties = new Properties();
      s.clientProperties.putAll(clientProperties);
      s.failAfter = failAfter.clone();
      s.runId = runId;
      s.maxRecordBytes = maxRecordBytes;
      s.writerSchemas = writerSchemas;
      s.deadLetterTopicMaxBytes = deadLetterTopicMaxBytes;
      return s;
    }

    /**
     * The largest dead letter the dead-letter producer and topic both accept, with room for the
     * record's key and headers.
     */
    public int deadLetterMaxBytes() {
      Object configured = clientProperties.get("max.request.size");
      int request =
          configured == null
              ? PRODUCER_DEFAULT_MAX_REQUEST_SIZE
              : Integer.parseInt(configured.toString().trim());
      return Math.min(request, deadLetterTopicMaxBytes) - RECORD_OVERHEAD_BYTES;
    }
  }

  /**
   * Adds the job to {@code env}; returns the snapshot stream (already written to Kafka). With a
   * requests topic, requests are answered by the live models; with it or with prequential
   * predictions, predictions go to the predictions topic.
   */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env, Settings kafka, OnlineTrainer trainer) {
    int features = trainer.config().features;
    boolean predicts = kafka.requestsTopic != null || trainer.prequentialPredictions();
    int hashBits =
        trainer.config().sparseModel() ? trainer.config().model.spec(features).hashBits() : 0;
    SingleOutputStreamOperator<WeightSnapshot> snapshots;
    if (kafka.requestsTopic == null) {
      snapshots = build(env, kafka, features, hashBits, trainer::trainDense, predicts, List.of());
    } else {
      if (hashBits > 0) {
        throw new IllegalArgumentException(
            "answering requests (--requests-topic) is for dense models: a request carries dense"
                + " features only");
      }
      snapshots = buildServing(env, kafka, trainer, features, predicts);
    }
    if (trainer.config().quality.drift() != null) {
      driftsSink(kafka, snapshots.getSideOutput(OnlineTrainer.DRIFTS));
    }
    if (trainer.config().quality.gate() != null) {
      snapshots
          .getSideOutput(OnlineTrainer.HELD_BACK)
          .sinkTo(
              sink(
                  snapshotWriting(kafka, hashBits),
                  kafka.heldBackTopic,
                  "held-back",
                  new SnapshotKey(),
                  new SnapshotValue()))
          .name("Kafka held-back snapshots")
          .uid("streamgrad-held-back-sink");
    }
    return snapshots;
  }

  private static SingleOutputStreamOperator<WeightSnapshot> buildServing(
      StreamExecutionEnvironment env,
      Settings kafka,
      OnlineTrainer trainer,
      int features,
      boolean predicts) {
    SingleOutputStreamOperator<DenseRequest> requests =
        decoded(
            env,
            kafka,
            kafka.requestsTopic,
            new RequestDecoder(features, kafka.maxRecordBytes),
            OnlinePredictor.denseRequestType(),
            "requests");
    return build(
        env,
        kafka,
        features,
        0,
        samples -> trainer.trainAndServe(samples, requests),
        predicts,
        List.of(requests.getSideOutput(UNDECODABLE)));
  }

  /**
   * What turns validated samples into snapshots: the trainer, or (for the {@code bench} command's
   * reference job) anything else with the same input and output; dead letters it emits go to {@link
   * OnlineTrainer#REJECTED}.
   */
  @FunctionalInterface
  public interface Stage {
    SingleOutputStreamOperator<WeightSnapshot> apply(DataStream<DenseSample> samples);
  }

  /** The job around any {@link Stage}: same source, decoding, validation and sinks. */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env, Settings kafka, int features, Stage stage) {
    return build(env, kafka, features, 0, stage, false, List.of());
  }

  /** The same for samples with a sparse part of {@code 2^hashBits} coordinates. */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env, Settings kafka, int features, int hashBits, Stage stage) {
    return build(env, kafka, features, hashBits, stage, false, List.of());
  }

  private static SingleOutputStreamOperator<WeightSnapshot> build(
      StreamExecutionEnvironment env,
      Settings kafka,
      int features,
      int hashBits,
      Stage stage,
      boolean predicts,
      List<DataStream<DeadLetter>> moreDeadLetters) {

    SingleOutputStreamOperator<DenseSample> samples =
        decoded(
            env,
            kafka,
            kafka.samplesTopic,
            sampleDecoder(kafka, features, hashBits),
            OnlineTrainer.denseSampleType(),
            "samples",
            "streamgrad-samples-source",
            "streamgrad-decode");
    DataStream<DenseSample> toTrain = samples;
    if (kafka.failAfter.length > 0) {
      toTrain =
          samples
              .map(new FailureInjection<DenseSample>(kafka.runId, kafka.failAfter))
              .returns(OnlineTrainer.denseSampleType())
              .name("Failure injection")
              .uid("streamgrad-failure-injection");
    }
    SingleOutputStreamOperator<WeightSnapshot> snapshots = stage.apply(toTrain);
    snapshots
        .sinkTo(
            sink(
                snapshotWriting(kafka, hashBits),
                kafka.snapshotsTopic,
                "snapshots",
                new SnapshotKey(),
                new SnapshotValue()))
        .name("Kafka snapshots")
        .uid("streamgrad-snapshots-sink");
    if (predicts) {
      predictionsSink(kafka, snapshots.getSideOutput(OnlineTrainer.PREDICTIONS));
    }
    DataStream<DeadLetter> deadLetters =
        samples.getSideOutput(UNDECODABLE).union(snapshots.getSideOutput(OnlineTrainer.REJECTED));
    for (DataStream<DeadLetter> more : moreDeadLetters) {
      deadLetters = deadLetters.union(more);
    }
    deadLettersSink(kafka, deadLetters);
    return snapshots;
  }

  /**
   * How snapshots are written: a sparse model's ({@code hashBits > 0}) in producer batches of
   * {@link #SPARSE_SNAPSHOT_BATCH_BYTES} unless the user set {@code batch.size}. Its deltas run to
   * tens of kilobytes, over Kafka's default batch of 16 KiB, and a record larger than the batch is
   * a produce request of its own: on the embedded broker, 40 KB records sent alone cost 450-550 µs
   * of CPU each, and 67-70 µs in batches of a megabyte. A larger batch lets one request carry the
   * deltas of a linger. Dense snapshots (a few hundred bytes) keep the default.
   */
  static Settings snapshotWriting(Settings kafka, int hashBits) {
    if (hashBits == 0 || kafka.clientProperties.containsKey("batch.size")) {
      return kafka;
    }
    Settings s = kafka.copy();
    s.clientProperties.put("batch.size", String.valueOf(SPARSE_SNAPSHOT_BATCH_BYTES));
    return s;
  }

  /** The decoder of {@code kafka}'s sample format (for a sparse part of 2^hashBits when > 0). */
  static SampleFormatDecoder sampleDecoder(Settings kafka, int features, int hashBits) {
    SampleFormatDecoder d =
        switch (kafka.sampleFormat) {
          case "avro" -> new SampleDecoder(features, kafka.maxRecordBytes, kafka.writerSchemas);
          case "json" -> new JsonSampleDecoder(features, kafka.maxRecordBytes);
          default ->
              throw new IllegalArgumentException(
                  "sample format must be avro or json, not '" + kafka.sampleFormat + "'");
        };
    return hashBits > 0 ? d.withSparse(hashBits) : d;
  }

  /**
   * Records of {@code topic} decoded and validated by {@code decoder}: the good ones, with the
   * refused ones (as dead letters) in the side output {@link #UNDECODABLE}.
   */
  static <T> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      Settings kafka,
      String topic,
      RecordDecoder<T> decoder,
      TypeInformation<T> type,
      String role) {
    return decoded(
        env,
        kafka,
        topic,
        decoder,
        type,
        role,
        "streamgrad-" + role + "-source",
        "streamgrad-decode-" + role);
  }

  /** The same with the operators' uids given (the samples' are older than the scheme). */
  private static <T> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      Settings kafka,
      String topic,
      RecordDecoder<T> decoder,
      TypeInformation<T> type,
      String role,
      String sourceUid,
      String decodeUid) {
    var b =
        KafkaSource.<Either<T, DeadLetter>>builder()
            .setBootstrapServers(kafka.bootstrapServers)
            .setTopics(topic)
            .setGroupId(kafka.groupId)
            .setStartingOffsets(startingOffsets(kafka.startingOffsets))
            .setDeserializer(decoder)
            .setProperties(kafka.clientProperties);
    if (kafka.bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return env.fromSource(b.build(), WatermarkStrategy.noWatermarks(), "Kafka " + role)
        .uid(sourceUid)
        .process(new Split<T>())
        .returns(type)
        .name("Decode and validate " + role)
        .uid(decodeUid);
  }

  /** Predictions to their topic, keyed by model id. */
  static void predictionsSink(Settings kafka, DataStream<Prediction> predictions) {
    predictions
        .sinkTo(
            sink(
                kafka,
                kafka.predictionsTopic,
                "predictions",
                new PredictionKey(),
                new PredictionValue()))
        .name("Kafka predictions")
        .uid("streamgrad-predictions-sink");
  }

  /** Drift events to their topic, keyed by model id. */
  static void driftsSink(Settings kafka, DataStream<DriftEvent> drifts) {
    drifts
        .sinkTo(sink(kafka, kafka.driftsTopic, "drifts", new DriftKey(), new DriftValue()))
        .name("Kafka drift events")
        .uid("streamgrad-drifts-sink");
  }

  /** Dead letters to their topic, keyed by reason, each cut to fit it. */
  static void deadLettersSink(Settings kafka, DataStream<DeadLetter> deadLetters) {
    deadLetters
        .sinkTo(
            sink(
                kafka,
                kafka.deadLettersTopic,
                "dead-letters",
                new DeadLetterKey(),
                new DeadLetterValue(kafka.deadLetterMaxBytes())))
        .name("Kafka dead letters")
        .uid("streamgrad-dead-letters-sink");
  }

  /**
   * Parses {@code --starting-offsets}; a restored job always resumes from its checkpoint instead.
   */
  public static OffsetsInitializer startingOffsets(String spec) {
    switch (spec) {
      case "earliest":
        return OffsetsInitializer.earliest();
      case "latest":
        return OffsetsInitializer.latest();
      case "committed":
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
      default:
        try {
          return OffsetsInitializer.timestamp(Long.parseLong(spec));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "starting offsets must be earliest, latest, committed or an epoch-millis timestamp, not '"
                  + spec
                  + "'");
        }
    }
  }

  static <T> KafkaSink<T> sink(
      Settings kafka,
      String topic,
      String role,
      SerializationSchema<T> key,
      SerializationSchema<T> value) {
    var b =
        KafkaSink.<T>builder()
            .setBootstrapServers(kafka.bootstrapServers)
            .setKafkaProducerConfig(kafka.clientProperties)
            .setRecordSerializer(
                KafkaRecordSerializationSchema.<T>builder()
                    .setTopic(topic)
                    .setKeySerializationSchema(key)
                    .setValueSerializationSchema(value)
                    .build())
            .setDeliveryGuarantee(kafka.delivery);
    if (kafka.delivery == DeliveryGuarantee.EXACTLY_ONCE) {
      b.setTransactionalIdPrefix(kafka.transactionalIdPrefix + "-" + role);
      if (!kafka.clientProperties.containsKey("transaction.timeout.ms")) {
        // The sink asks for 1 hour by default; brokers allow 15 minutes unless configured
        // otherwise.
        b.setProperty(
            "transaction.timeout.ms", String.valueOf(BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS));
      }
    }
    return b.build();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // Named classes, not lambdas: the Kafka sink's builder extracts their types.

  /** Snapshots are keyed by model id, like samples: one model's snapshots stay in order. */
  static final class SnapshotKey implements SerializationSchema<WeightSnapshot> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(WeightSnapshot s) {
      return utf8(s.getModelId());
    }
  }

  static final class SnapshotValue implements SerializationSchema<WeightSnapshot> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(WeightSnapshot s) {
      return WireFormat.encode(s);
    }
  }

  /** Predictions are keyed by model id, like samples and snapshots. */
  static final class PredictionKey implements SerializationSchema<Prediction> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(Prediction p) {
      return utf8(p.getModelId());
    }
  }

  static final class PredictionValue implements SerializationSchema<Prediction> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(Prediction p) {
      return WireFormat.encode(p);
    }
  }

  /** Drift events are keyed by model id. */
  static final class DriftKey implements SerializationSchema<DriftEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(DriftEvent d) {
      return utf8(d.getModelId());
    }
  }

  static final class DriftValue implements SerializationSchema<DriftEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(DriftEvent d) {
      return WireFormat.encode(d);
    }
  }

  /** Dead letters are keyed by reason, so one reason's records can be read together. */
  static final class DeadLetterKey implements SerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(DeadLetter d) {
      return utf8(d.getReason());
    }
  }

  /**
   * Dead letters always fit their topic: a payload too large is cut to a prefix here, the one place
   * every dead letter passes.
   */
  static final class DeadLetterValue implements SerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;
    private final int maxBytes;

    DeadLetterValue(int maxBytes) {
      this.maxBytes = maxBytes;
    }

    @Override
    public byte[] serialize(DeadLetter d) {
      byte[] bytes = WireFormat.encode(d);
      return bytes.length <= maxBytes ? bytes : WireFormat.encode(DeadLetters.fit(d, maxBytes));
    }
  }

  /** Good records downstream; refused ones to {@link #UNDECODABLE}, counted by reason. */
  static final class Split<T> extends ProcessFunction<Either<T, DeadLetter>, T> {
    private static final long serialVersionUID = 1L;
    private transient DeadLetterMetrics deadLetters;

    @Override
    public void open(OpenContext openContext) {
      deadLetters = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(Either<T, DeadLetter> value, Context ctx, Collector<T> out) {
      if (value.isLeft()) {
        out.collect(value.left());
      } else {
        deadLetters.count(value.right().getReason());
        ctx.output(UNDECODABLE, value.right());
      }
    }
  }
}
