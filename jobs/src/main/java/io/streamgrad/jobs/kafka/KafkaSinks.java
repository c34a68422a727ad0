package io.streamgrad.jobs.kafka;

import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The topics a job writes: snapshots, predictions and drift events keyed by model id, dead letters
 * by reason; each with the job's delivery guarantee.
 */
public final class KafkaSinks {

  /** A broker's default {@code transaction.max.timeout.ms}. */
  static final long BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000;

  /**
   * The producer batch of a sparse model's snapshots ({@link #snapshotWriting}): a delta of ~30,000
   * rows; with Kafka's default 32 MiB of producer buffer, 128 partitions can each hold a batch
   * open.
   */
  public static final int SPARSE_SNAPSHOT_BATCH_BYTES = 256 * 1024;

  /**
   * The producer batch of predictions ({@link #predictionWriting}): a ~100-byte record per request,
   * some 2,500 a batch, within the same 32 MiB of buffer for 128 partitions.
   */
  public static final int PREDICTION_BATCH_BYTES = 256 * 1024;

  private KafkaSinks() {}

  /** Snapshots to {@code topic} (the snapshots or the held-back topic), keyed by model id. */
  public static void snapshots(
      KafkaSettings kafka,
      int hashBits,
      DataStream<WeightSnapshot> snapshots,
      String topic,
      String role) {
    snapshots
        .sinkTo(
            sink(
                snapshotWriting(kafka, hashBits),
                role,
                new KeyedAvroSerialization<WeightSnapshot>(
                    topic, WeightSnapshot::getModelId, WireFormat::encode)))
        .name("Kafka " + role)
        .uid("streamgrad-" + role + "-sink");
  }

  /** Predictions to their topic, keyed by model id ({@link #predictionWriting}). */
  public static void predictions(KafkaSettings kafka, DataStream<Prediction> predictions) {
    predictions
        .sinkTo(
            sink(
                predictionWriting(kafka),
                "predictions",
                new KeyedAvroSerialization<Prediction>(
                    kafka.predictionsTopic(), Prediction::getModelId, WireFormat::encode)))
        .name("Kafka predictions")
        .uid("streamgrad-predictions-sink");
  }

  /** Drift events to their topic, keyed by model id. */
  public static void drifts(KafkaSettings kafka, DataStream<DriftEvent> drifts) {
    drifts
        .sinkTo(
            sink(
                kafka,
                "drifts",
                new KeyedAvroSerialization<DriftEvent>(
                    kafka.driftsTopic(), DriftEvent::getModelId, WireFormat::encode)))
        .name("Kafka drift events")
        .uid("streamgrad-drifts-sink");
  }

  /** The feedback job's per-model reports to their topic, keyed by model id. */
  public static void feedbackReports(KafkaSettings kafka, DataStream<FeedbackReport> reports) {
    reports
        .sinkTo(
            sink(
                kafka,
                "feedback",
                new KeyedAvroSerialization<FeedbackReport>(
                    kafka.feedbackTopic(), FeedbackReport::getModelId, WireFormat::encode)))
        .name("Kafka feedback reports")
        .uid("streamgrad-feedback-sink");
  }

  /**
   * Dead letters to their topic, keyed by reason (one reason's records can be read together), each
   * cut to fit it: a payload too large is cut to a prefix here, the one place every dead letter
   * passes.
   */
  public static void deadLetters(KafkaSettings kafka, DataStream<DeadLetter> deadLetters) {
    int maxBytes = kafka.deadLetterMaxBytes();
    deadLetters
        .sinkTo(
            sink(
                kafka,
                "dead-letters",
                new KeyedAvroSerialization<DeadLetter>(
                    kafka.deadLettersTopic(), DeadLetter::getReason, d -> fitted(d, maxBytes))))
        .name("Kafka dead letters")
        .uid("streamgrad-dead-letters-sink");
  }

  static byte[] fitted(DeadLetter d, int maxBytes) {
    byte[] bytes = WireFormat.encode(d);
    return bytes.length <= maxBytes ? bytes : WireFormat.encode(DeadLetters.fit(d, maxBytes));
  }

  /**
   * How snapshots are written: a sparse model's ({@code hashBits > 0}) in producer batches of
   * {@link #SPARSE_SNAPSHOT_BATCH_BYTES} unless the user set {@code batch.size}. Its deltas run to
   * tens of kilobytes, over Kafka's default batch of 16 KiB, and a record larger than the batch is
   * a produce request of its own: on the embedded broker, 40 KB records sent alone cost 450-550 µs
   * of CPU each, and 67-70 µs in batches of a megabyte. Dense snapshots (a few hundred bytes) keep
   * the default.
   */
  public static KafkaSettings snapshotWriting(KafkaSettings kafka, int hashBits) {
    return hashBits == 0 ? kafka : withBatchBytes(kafka, SPARSE_SNAPSHOT_BATCH_BYTES);
  }

  /**
   * How predictions are written: in producer batches of {@link #PREDICTION_BATCH_BYTES} unless the
   * user set {@code batch.size}, still sent after Kafka's {@code linger.ms} (5 ms). A job that
   * answers every request writes a record per request, and with Kafka's default 16 KiB batch the
   * embedded broker's request handler spent 1.6 µs of CPU per prediction, 0.8 with the job's
   * producers in 256 KiB batches: the feedback job stripped of its join went from 0.36x to 0.54x
   * the train job's rate.
   */
  public static KafkaSettings predictionWriting(KafkaSettings kafka) {
    return withBatchBytes(kafka, PREDICTION_BATCH_BYTES);
  }

  private static KafkaSettings withBatchBytes(KafkaSettings kafka, int bytes) {
    return kafka.hasClientProperty("batch.size")
        ? kafka
        : kafka.withClientProperty("batch.size", String.valueOf(bytes));
  }

  /** A sink of {@code kafka}'s delivery guarantee; {@code role} names its transactions. */
  public static <T> Sink<T> sink(
      KafkaSettings kafka, String role, KafkaRecordSerializationSchema<T> records) {
    var b =
        KafkaSink.<T>builder()
            .setBootstrapServers(kafka.bootstrapServers())
            .setKafkaProducerConfig(kafka.clientProperties())
            .setRecordSerializer(records)
            .setDeliveryGuarantee(kafka.delivery());
    if (kafka.delivery() == DeliveryGuarantee.EXACTLY_ONCE) {
      b.setTransactionalIdPrefix(kafka.transactionalIdPrefix() + "-" + role);
      if (!kafka.hasClientProperty("transaction.timeout.ms")) {
        // The sink asks for 1 hour by default; brokers allow 15 minutes unless configured
        // otherwise.
        b.setProperty(
            "transaction.timeout.ms", String.valueOf(BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS));
      }
    }
    return new QuietCloseSink<>(b.build());
  }
}
