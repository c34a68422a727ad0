package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSinks;
import org.junit.jupiter.api.Test;

/**
 * A sparse model's snapshots and every job's predictions are batched by the producer; a user's
 * batch size stands.
 */
class SnapshotWritingTest {

  @Test
  void aSparseModelsSnapshotsGetABatchThatHoldsSeveralDeltas() {
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers("localhost:9092")
            .clientProperty("linger.ms", "7")
            .build();
    KafkaSettings sparse = KafkaSinks.snapshotWriting(kafka, 20);
    assertEquals("262144", sparse.clientProperties().get("batch.size"));
    assertEquals("7", sparse.clientProperties().get("linger.ms"), "the rest as the user set it");
    assertFalse(kafka.hasClientProperty("batch.size"), "the job's own settings untouched");

    assertSame(kafka, KafkaSinks.snapshotWriting(kafka, 0), "dense snapshots: Kafka's default");

    kafka = kafka.toBuilder().clientProperty("batch.size", "65536").build();
    assertEquals(
        "65536", KafkaSinks.snapshotWriting(kafka, 20).clientProperties().get("batch.size"));
  }

  @Test
  void predictionsAreWrittenInLargeBatchesUnlessTheUserSaysOtherwise() {
    KafkaSettings kafka = KafkaSettings.builder().bootstrapServers("localhost:9092").build();
    assertEquals(
        String.valueOf(KafkaSinks.PREDICTION_BATCH_BYTES),
        KafkaSinks.predictionWriting(kafka).clientProperties().get("batch.size"));
    assertFalse(kafka.hasClientProperty("batch.size"), "the job's own settings untouched");
    kafka = kafka.toBuilder().clientProperty("batch.size", "8192").build();
    assertEquals("8192", KafkaSinks.predictionWriting(kafka).clientProperties().get("batch.size"));
  }
}
