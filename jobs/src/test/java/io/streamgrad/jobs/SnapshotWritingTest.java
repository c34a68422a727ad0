package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** A sparse model's snapshots are batched by the producer; a user's batch size stands. */
class SnapshotWritingTest {

  @Test
  void aSparseModelsSnapshotsGetABatchThatHoldsSeveralDeltas() {
    TrainJob.Settings kafka = new TrainJob.Settings();
    kafka.clientProperties.put("linger.ms", "7");
    TrainJob.Settings sparse = TrainJob.snapshotWriting(kafka, 20);
    assertEquals("262144", sparse.clientProperties.get("batch.size"));
    assertEquals("7", sparse.clientProperties.get("linger.ms"), "the rest as the user set it");
    assertFalse(
        kafka.clientProperties.containsKey("batch.size"), "the job's own settings untouched");

    assertSame(kafka, TrainJob.snapshotWriting(kafka, 0), "dense snapshots: Kafka's default");

    kafka.clientProperties.put("batch.size", "65536");
    assertEquals("65536", TrainJob.snapshotWriting(kafka, 20).clientProperties.get("batch.size"));
  }
}
