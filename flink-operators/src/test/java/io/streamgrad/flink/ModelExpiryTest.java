package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamgrad.flink.operator.OnlineTrainerOperator;
import io.streamgrad.nn.Models;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code modelTtl}: an idle model is dropped from state after its partial batch is trained and its
 * final snapshot emitted; a model that keeps getting samples stays; a returning model starts
 * afresh, or from its warm-start snapshot; expiry timers survive a restore.
 */
class ModelExpiryTest {
  static final long TTL = 1_000;

  private static OnlineTrainer.Builder builder() {
    return OnlineTrainer.builder()
        .features(2)
        .model(Models.linear())
        .optimizer(Optimizers.sgd(0.1))
        .batchSize(4)
        .snapshotEvery(1)
        .modelTtl(Duration.ofMillis(TTL));
  }

  private static void send(
      KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h,
      String model,
      int n)
      throws Exception {
    for (int i = 0; i < n; i++) {
      h.processElement(new DenseSample(model, new float[] {1f, i}, 2f, 1f), 0L);
    }
  }

  /** Models in keyed state, once live models are written there (as at a checkpoint). */
  static long modelsInState(
      KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h)
      throws Exception {
    h.prepareSnapshotPreBarrier(0);
    AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
    try (var keys =
        op.getKeyedStateBackend()
            .getKeys(OnlineTrainerOperator.STATE_NAME, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  private static List<WeightSnapshot> drain(
      KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h) {
    List<WeightSnapshot> out = h.extractOutputValues();
    h.getOutput().clear();
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void idleModelExpiresWithItsFinalSnapshotAndComesBackFresh(String backend) throws Exception {
    try (var h = ManyModelsHarnessTest.harness(builder().build(), backend)) {
      h.open();
      h.setProcessingTime(0);
      send(h, "busy", 3);
      send(h, "idle", 3); // a partial batch: trained when the model expires
      h.setProcessingTime(600);
      send(h, "busy", 1); // batch full: snapshot v1
      assertEquals(1, drain(h).size());

      h.setProcessingTime(TTL); // idle's deadline; busy had a sample since, its timer moves on
      List<WeightSnapshot> expired = drain(h);
      assertEquals(1, expired.size());
      assertEquals("idle", expired.get(0).getModelId());
      assertEquals(1, expired.get(0).getVersion());
      assertEquals(3, expired.get(0).getSamplesSeen());
      assertEquals(1, modelsInState(h));

      h.setProcessingTime(600 + TTL); // busy expires; its last snapshot is already its final one
      assertEquals(List.of(), drain(h));
      assertEquals(0, modelsInState(h));

      h.setProcessingTime(5_000);
      send(h, "idle", 4); // a new model: nothing of the old one
      WeightSnapshot fresh = drain(h).get(0);
      assertEquals(1, fresh.getVersion());
      assertEquals(4, fresh.getSamplesSeen());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void expiryTimersSurviveARestoreAndWarmStartsApplyAgain(String backend) throws Exception {
    WeightSnapshot start;
    try (var h = ManyModelsHarnessTest.harness(builder().build(), backend)) {
      h.open();
      send(h, "w", 8);
      start = drain(h).get(1); // version 2, 8 samples
    }
    OnlineTrainer warm = builder().initialModels(Map.of("w", start)).build();

    OperatorSubtaskState checkpoint;
    try (var h = ManyModelsHarnessTest.harness(warm, backend)) {
      h.open();
      h.setProcessingTime(100);
      send(h, "w", 2);
      h.prepareSnapshotPreBarrier(1);
      checkpoint = h.snapshot(1, 100);
    }
    try (var h = ManyModelsHarnessTest.harness(warm, backend)) {
      h.initializeState(checkpoint);
      h.open();
      h.setProcessingTime(100 + TTL);
      WeightSnapshot last = drain(h).get(0);
      assertEquals(3, last.getVersion(), "the restored partial batch, trained at expiry");
      assertEquals(10, last.getSamplesSeen());
      assertEquals(0, modelsInState(h));

      send(h, "w", 4); // no state: starts from the job's warm-start snapshot again
      WeightSnapshot again = drain(h).get(0);
      assertEquals(3, again.getVersion());
      assertEquals(12, again.getSamplesSeen());
    }
  }
}
