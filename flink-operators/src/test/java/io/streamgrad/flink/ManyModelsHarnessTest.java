package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import io.streamgrad.online.live.PerModelMetrics;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bounded cache of live models changes nothing a model learns: runs with a cache of 10 and an
 * unbounded one emit the same snapshots bit for bit, on the heap and on RocksDB, also across a
 * failure between two checkpoints while models are being evicted.
 */
class ManyModelsHarnessTest {

  private static final int FEATURES = 4;

  private static OnlineTrainer trainer(int maxLiveModels) {
    return OnlineTrainer.builder()
        .features(FEATURES)
        .model(Models.linear())
        .optimizer(Optimizers.adam(0.05)) // optimizer state must survive eviction too
        .batchSize(4)
        .snapshotEvery(1)
        .maxLiveModels(maxLiveModels)
        .perModelMetrics(PerModelMetrics.first(3))
        .build();
  }

  static StateBackend backend(String name) {
    if (!name.equals("rocksdb")) {
      return new HashMapStateBackend();
    }
    // The harness has no managed memory: without a budget RocksDB flushes after every few writes.
    EmbeddedRocksDBStateBackend rocksdb = new EmbeddedRocksDBStateBackend();
    rocksdb.getMemoryConfiguration().setFixedMemoryPerSlot(MemorySize.parse("64m"));
    return rocksdb;
  }

  static KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> harness(
      OnlineTrainer trainer, String backend) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            trainer.operator(), DenseSample::getModelId, Types.STRING, 128, 1, 0);
    h.setStateBackend(backend(backend));
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    return h;
  }

  /** Tutorial data for {@code models} models in a random order (not round-robin). */
  static List<Sample> shuffled(int models, int perModel, long seed) {
    List<Sample> samples =
        new ArrayList<>(new TutorialData(FEATURES, models, perModel, seed).samples);
    Collections.shuffle(samples, new Random(seed));
    return samples;
  }

  static List<WeightSnapshot> normalized(List<WeightSnapshot> in) {
    return in.stream()
        .map(s -> WeightSnapshot.newBuilder(s).setTimestamp(Instant.EPOCH).build())
        .collect(Collectors.toList());
  }

  private static List<WeightSnapshot> run(OnlineTrainer trainer, String backend, List<Sample> in)
      throws Exception {
    try (var h = harness(trainer, backend)) {
      h.open();
      for (Sample s : in) {
        h.processElement(DenseSample.of(s), 0L);
      }
      h.endInput();
      return normalized(h.extractOutputValues());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void cacheOfTenOverTenThousandModelsIsBitIdentical(String backend) throws Exception {
    List<Sample> samples = shuffled(10_000, 9, 7); // 90,000 samples, batches of 4, a partial one
    List<WeightSnapshot> unbounded = run(trainer(1_000_000), backend, samples);
    List<WeightSnapshot> bounded = run(trainer(10), backend, samples);

    assertEquals(unbounded.size(), bounded.size());
    assertEquals(unbounded, bounded);
    Map<String, WeightSnapshot> last = lastPerModel(bounded);
    assertEquals(10_000, last.size());
    last.values().forEach(s -> assertEquals(9, s.getSamplesSeen(), s.getModelId()));
    last.values().forEach(s -> assertEquals(3, s.getVersion(), s.getModelId()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void modelsEvictedBetweenCheckpointsAreRestoredExactlyAfterAFailure(String backend)
      throws Exception {
    List<Sample> samples = shuffled(1_000, 12, 11);
    List<WeightSnapshot> expected = run(trainer(1_000_000), backend, samples);

    int checkpoint = 4_000;
    int failure = 9_000; // between: thousands of evictions write models back to state
    List<WeightSnapshot> got = new ArrayList<>();
    OperatorSubtaskState snapshot;
    try (var first = harness(trainer(10), backend)) {
      first.open();
      for (Sample s : samples.subList(0, checkpoint)) {
        first.processElement(DenseSample.of(s), 0L);
      }
      first.prepareSnapshotPreBarrier(1L);
      snapshot = first.snapshot(1L, 1L);
      got.addAll(first.extractOutputValues());
      for (Sample s : samples.subList(checkpoint, failure)) {
        first.processElement(DenseSample.of(s), 0L);
      }
      // the job fails here: output after the checkpoint is replayed (exactly-once sinks drop it)
    }
    try (var second = harness(trainer(10), backend)) {
      second.initializeState(snapshot);
      second.open();
      for (Sample s : samples.subList(checkpoint, samples.size())) {
        second.processElement(DenseSample.of(s), 0L);
      }
      second.endInput();
      got.addAll(second.extractOutputValues());
    }
    assertEquals(expected, normalized(got));
    assertTrue(expected.size() >= 3_000, "every model made updates: " + expected.size());
  }

  static Map<String, WeightSnapshot> lastPerModel(List<WeightSnapshot> snapshots) {
    Map<String, WeightSnapshot> last = new java.util.HashMap<>();
    for (WeightSnapshot s : snapshots) {
      last.put(s.getModelId(), s);
    }
    return last;
  }
}
