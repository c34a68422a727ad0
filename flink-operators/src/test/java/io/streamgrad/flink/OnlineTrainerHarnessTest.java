package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The operator under Flink's test harness: state, restore, rescale, timers, rejections. */
class OnlineTrainerHarnessTest {

  private static final int MAX_PARALLELISM = 128;

  private static OnlineTrainer trainer(int batchSize, Duration delay) {
    return OnlineTrainer.builder()
        .features(4)
        .model(Models.linear())
        .optimizer(Optimizers.adam(0.05)) // optimizer state matters for exact restore
        .batchSize(batchSize)
        .maxBatchDelay(delay)
        .snapshotEvery(1)
        .build();
  }

  static KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> harness(
      OnlineTrainer trainer, int parallelism, int subtask) throws Exception {
    KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            trainer.operator(),
            DenseSample::getModelId,
            Types.STRING,
            MAX_PARALLELISM,
            parallelism,
            subtask);
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    return h;
  }

  /** Snapshots compared bit for bit, except their wall-clock timestamp. */
  static List<WeightSnapshot> normalized(List<WeightSnapshot> in) {
    return in.stream()
        .map(s -> WeightSnapshot.newBuilder(s).setTimestamp(Instant.EPOCH).build())
        .collect(Collectors.toList());
  }

  static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h,
      List<Sample> samples)
      throws Exception {
    for (Sample s : samples) {
      h.processElement(DenseSample.of(s), 0L);
    }
  }

  @Test
  void restoreMidBatchContinuesBitForBit() throws Exception {
    TutorialData data =
        new TutorialData(4, 2, 45, 3); // 90 samples, batch 8: partial batches at the end
    OnlineTrainer trainer = trainer(8, Duration.ZERO);

    var straight = harness(trainer, 1, 0);
    straight.open();
    feed(straight, data.samples);
    straight.endInput();
    List<WeightSnapshot> expected = normalized(straight.extractOutputValues());
    straight.close();

    int cut = 37; // mid-batch for both models
    var first = harness(trainer, 1, 0);
    first.open();
    feed(first, data.samples.subList(0, cut));
    first.prepareSnapshotPreBarrier(1L);
    OperatorSubtaskState checkpoint = first.snapshot(1L, 1L);
    List<WeightSnapshot> got = new ArrayList<>(first.extractOutputValues());
    first.close();

    var second = harness(trainer, 1, 0);
    second.initializeState(checkpoint);
    second.open();
    feed(second, data.samples.subList(cut, data.samples.size()));
    second.endInput();
    got.addAll(second.extractOutputValues());
    second.close();

    assertEquals(expected, normalized(got));
    // 45 samples per model in batches of 8: 5 full batches and one flush of 5 at end of input.
    Map<String, WeightSnapshot> last = lastPerModel(expected);
    for (String id : data.modelIds) {
      assertEquals(6, last.get(id).getVersion());
      assertEquals(45, last.get(id).getSamplesSeen());
    }
  }

  @Test
  void restoreAtAnotherParallelismKeepsEveryModel() throws Exception {
    TutorialData data = new TutorialData(4, 6, 40, 5);
    OnlineTrainer trainer = trainer(8, Duration.ZERO);

    var straight = harness(trainer, 1, 0);
    straight.open();
    feed(straight, data.samples);
    straight.endInput();
    Map<String, WeightSnapshot> expected = lastPerModel(normalized(straight.extractOutputValues()));
    straight.close();

    int cut = 101;
    var first = harness(trainer, 1, 0);
    first.open();
    feed(first, data.samples.subList(0, cut));
    first.prepareSnapshotPreBarrier(1L);
    OperatorSubtaskState checkpoint = first.snapshot(1L, 1L);
    first.close();

    Map<String, WeightSnapshot> got = new HashMap<>();
    int newParallelism = 2;
    for (int subtask = 0; subtask < newParallelism; subtask++) {
      OperatorSubtaskState part =
          AbstractStreamOperatorTestHarness.repartitionOperatorState(
              checkpoint, MAX_PARALLELISM, 1, newParallelism, subtask);
      var h = harness(trainer, newParallelism, subtask);
      h.initializeState(part);
      h.open();
      for (Sample s : data.samples.subList(cut, data.samples.size())) {
        if (KeyGroupRangeAssignment.assignKeyToParallelOperator(
                s.getModelId(), MAX_PARALLELISM, newParallelism)
            == subtask) {
          h.processElement(DenseSample.of(s), 0L);
        }
      }
      h.endInput();
      got.putAll(lastPerModel(normalized(h.extractOutputValues())));
      h.close();
    }
    assertEquals(expected.keySet(), got.keySet(), "every model survives the rescale");
    assertEquals(expected, got);
  }

  @Test
  void timerFlushesAPartialBatch() throws Exception {
    TutorialData data = new TutorialData(4, 1, 3, 9);
    var h = harness(trainer(10, Duration.ofMillis(100)), 1, 0);
    h.setProcessingTime(0L);
    h.open();
    feed(h, data.samples);
    h.setProcessingTime(99L);
    assertTrue(h.extractOutputValues().isEmpty(), "nothing before the deadline");
    h.setProcessingTime(100L);
    List<WeightSnapshot> out = h.extractOutputValues();
    assertEquals(1, out.size());
    assertEquals(1, out.get(0).getVersion());
    assertEquals(3, out.get(0).getSamplesSeen());
    h.endInput(); // nothing new to flush or report
    assertEquals(1, h.extractOutputValues().size());
    h.close();
  }

  @Test
  void staleTimersAfterAFullBatchDoNothing() throws Exception {
    TutorialData data = new TutorialData(4, 1, 4, 9);
    var h = harness(trainer(4, Duration.ofMillis(100)), 1, 0);
    h.setProcessingTime(0L);
    h.open();
    feed(h, data.samples); // a full batch trains at once
    assertEquals(1, h.extractOutputValues().size());
    h.setProcessingTime(500L);
    assertEquals(1, h.extractOutputValues().size());
    h.close();
  }

  @Test
  void wrongFeatureCountIsRejectedNotPadded() throws Exception {
    var h = harness(trainer(2, Duration.ZERO), 1, 0);
    h.open();
    h.processElement(DenseSample.of(TutorialData.sample("a", new float[] {1f, 2f, 3f}, 1f)), 0L);
    h.processElement(
        DenseSample.of(TutorialData.sample("a", new float[] {1f, 2f, 3f, 4f, 5f}, 1f)), 0L);
    h.endInput();
    assertTrue(h.extractOutputValues().isEmpty(), "a model with zero valid samples emits nothing");
    ConcurrentLinkedQueue<StreamRecord<DeadLetter>> rejected =
        h.getSideOutput(OnlineTrainer.REJECTED);
    List<String> reasons =
        rejected.stream().map(r -> r.getValue().getReason()).collect(Collectors.toList());
    assertEquals(
        List.of("wrong feature count: expected 4, got 3", "wrong feature count: expected 4, got 5"),
        reasons);
    Sample back = Sample.fromByteBuffer(rejected.peek().getValue().getPayload());
    assertEquals(3, back.getFeatures().size(), "the payload is the rejected sample");
    h.close();
  }

  @Test
  void stateIsAFlinkPojoNotAKryoFallback() {
    assertTrue(
        org.apache.flink.api.common.typeinfo.TypeInformation.of(
                io.streamgrad.online.train.TrainerState.class)
            instanceof org.apache.flink.api.java.typeutils.PojoTypeInfo);
  }

  @Test
  void builderValidates() {
    assertThrows(
        IllegalArgumentException.class, () -> OnlineTrainer.builder().build(), "features missing");
    assertThrows(
        IllegalArgumentException.class,
        () -> OnlineTrainer.builder().features(3).batchSize(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> OnlineTrainer.builder().features(3).snapshotEvery(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> OnlineTrainer.builder().features(3).maxBatchDelay(Duration.ofMillis(-1)).build());
    assertEquals(
        "Invalid learning rate: -1.0",
        assertThrows(
                IllegalArgumentException.class,
                () -> OnlineTrainer.builder().features(3).optimizer(Optimizers.sgd(-1)).build())
            .getMessage());
    assertFalse(
        OnlineTrainer.builder().features(3).build().config().maxBatchDelayMillis > 0,
        "count-only batches by default (exact replays)");
  }

  static Map<String, WeightSnapshot> lastPerModel(List<WeightSnapshot> snapshots) {
    Map<String, WeightSnapshot> last = new HashMap<>();
    for (WeightSnapshot s : snapshots) {
      WeightSnapshot prev = last.get(s.getModelId());
      if (prev != null) {
        assertTrue(s.getVersion() > prev.getVersion(), "versions strictly increase");
      }
      last.put(s.getModelId(), s);
    }
    return last;
  }
}
