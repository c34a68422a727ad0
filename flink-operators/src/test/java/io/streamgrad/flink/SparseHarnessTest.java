package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * A sparse model (hashed coordinates, FTRL) under Flink's harness, generic types off: its tables
 * checkpointed by chunks in map state, restored bit for bit mid-batch, and published as full
 * updates and deltas that a reader reassembles into the trainer's exact tables.
 */
class SparseHarnessTest {

  static final int BITS = 12;

  /** Impressions of two models: a dense part of 2 features and ~8 Zipf-ish coordinates. */
  static List<Sample> impressions(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int active = 4 + r.nextInt(8);
      List<Integer> idx = new ArrayList<>();
      List<Float> val = new ArrayList<>();
      double z = -0.5;
      for (int k = 0; k < active; k++) {
        int c =
            (int) Math.min((1 << BITS) - 1, Math.floor(Math.pow(r.nextDouble(), 3) * (1 << BITS)));
        idx.add(c);
        val.add(1f);
        z += (c % 7 == 0 ? 1.5 : c % 5 == 0 ? -1.2 : 0);
      }
      List<Float> x = List.of((float) r.nextGaussian(), (float) r.nextGaussian());
      z += 0.8 * x.get(0);
      out.add(
          Sample.newBuilder()
              .setModelId(i % 3 == 0 ? "ads-b" : "ads-a")
              .setFeatures(x)
              .setLabel(r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1f : 0f)
              .setIndices(idx)
              .setValues(val)
              .build());
    }
    return out;
  }

  static OnlineTrainer trainer() {
    return OnlineTrainer.builder()
        .features(2)
        .model(SparseModels.logistic(BITS))
        .optimizer(Optimizers.ftrl(0.1))
        .batchSize(16)
        .snapshotEvery(2)
        .build();
  }

  /** Each model's tables as its snapshots rebuild them, after the last complete version. */
  static List<float[]> assembled(List<WeightSnapshot> out, String modelId) {
    SparseModelAssembler a = new SparseModelAssembler();
    for (WeightSnapshot s : out) {
      if (s.getModelId().equals(modelId)) {
        a.accept(s);
      }
    }
    Model m = a.model();
    assertNotNull(m, "a complete version of " + modelId);
    assertEquals(0, a.gaps(), "every delta applied on the version before it");
    List<float[]> tables = new ArrayList<>();
    for (Tensor t : m.parameters()) {
      tables.add(t.toArray());
    }
    return tables;
  }

  /** The dense side of the snapshots (their sparse parts differ in kind after a restore). */
  static List<WeightSnapshot> denseSide(List<WeightSnapshot> in) {
    return in.stream()
        .filter(io.streamgrad.online.snapshot.SnapshotModels::firstPart)
        .map(s -> WeightSnapshot.newBuilder(s).setTimestamp(Instant.EPOCH).setSparse(null).build())
        .collect(Collectors.toList());
  }

  @Test
  void restoreMidBatchContinuesBitForBitAndReadersRebuildTheTables() throws Exception {
    List<Sample> data = impressions(1_500, 5);
    var straight = OnlineTrainerHarnessTest.harness(trainer(), 1, 0);
    straight.open();
    OnlineTrainerHarnessTest.feed(straight, data);
    straight.endInput();
    List<WeightSnapshot> expected = new ArrayList<>(straight.extractOutputValues());
    straight.close();

    int cut = 701; // mid-batch for both models
    var first = OnlineTrainerHarnessTest.harness(trainer(), 1, 0);
    first.open();
    OnlineTrainerHarnessTest.feed(first, data.subList(0, cut));
    first.prepareSnapshotPreBarrier(1L);
    OperatorSubtaskState checkpoint = first.snapshot(1L, 1L);
    List<WeightSnapshot> got = new ArrayList<>(first.extractOutputValues());
    first.close();
    var second = OnlineTrainerHarnessTest.harness(trainer(), 1, 0);
    second.initializeState(checkpoint);
    second.open();
    OnlineTrainerHarnessTest.feed(second, data.subList(cut, data.size()));
    second.endInput();
    List<WeightSnapshot> after = second.extractOutputValues();
    got.addAll(after);
    second.close();

    assertEquals(denseSide(expected), denseSide(got), "versions, dense weights, bias, metrics");
    for (String id : List.of("ads-a", "ads-b")) {
      List<float[]> a = assembled(expected, id);
      List<float[]> b = assembled(got, id);
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i), b.get(i), 0f, id + " parameter " + i + ": bit for bit");
      }
    }
    WeightSnapshot firstAfter =
        after.stream().filter(s -> s.getModelId().equals("ads-a")).findFirst().orElseThrow();
    assertTrue(firstAfter.getSparse().getFull(), "after a restore, readers get a full update");
    long deltas = expected.stream().filter(s -> !s.getSparse().getFull()).count();
    assertTrue(deltas > expected.size() / 2, "mostly deltas: " + deltas + " of " + expected.size());
    int nonZero = 0;
    for (float v : assembled(expected, "ads-a").get(1)) {
      nonZero += v != 0f ? 1 : 0;
    }
    assertTrue(nonZero > 20 && nonZero < (1 << BITS) / 2, "L1 keeps most rows at zero: " + nonZero);
  }
}
