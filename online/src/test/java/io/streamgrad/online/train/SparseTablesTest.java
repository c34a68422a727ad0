package io.streamgrad.online.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.SparseModels;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What a checkpoint of a sparse model writes: the chunks its steps touched, not the model. */
class SparseTablesTest {

  static ModelTrainer trainer(int bits) {
    return trainer(bits, Optimizers.ftrl(0.1));
  }

  static ModelTrainer trainer(int bits, OptimizerSpec optimizer) {
    TrainerConfig t =
        TrainerConfig.builder()
            .features(0)
            .model(SparseModels.logistic(bits))
            .optimizer(optimizer)
            .batchSize(64)
            .build();
    return new ModelTrainer(t, "m");
  }

  /** One step of 64 impressions of 30 uniformly hashed coordinates; returns the chunks touched. */
  static Set<Integer> step(ModelTrainer t, SplittableRandom r, int bits) {
    Set<Integer> chunks = new HashSet<>();
    int[] idx = new int[30];
    float[] val = new float[30];
    java.util.Arrays.fill(val, 1f);
    for (int i = 0; i < 64; i++) {
      for (int k = 0; k < 30; k++) {
        idx[k] = r.nextInt(1 << bits);
        chunks.add(idx[k] / SparseTables.CHUNK_ROWS);
      }
      t.add(new float[0], idx, val, r.nextBoolean() ? 1f : 0f, 1f);
    }
    assertEquals(ModelTrainer.StepResult.TRAINED, t.step());
    return chunks;
  }

  /** One step over the given rows (an impression each, of those rows); returns them. */
  static Set<Integer> stepOn(ModelTrainer t, int[][] impressions) {
    Set<Integer> rows = new HashSet<>();
    for (int[] idx : impressions) {
      float[] val = new float[idx.length];
      java.util.Arrays.fill(val, 1f);
      for (int i : idx) {
        rows.add(i);
      }
      t.add(new float[0], idx, val, rows.size() % 2, 1f);
    }
    assertEquals(ModelTrainer.StepResult.TRAINED, t.step());
    return rows;
  }

  /**
   * Without L1 every row a step touches changes (FTRL with l1 = 0, which keeps its own undo; SGD,
   * whose rows the tables back up): deltas of every size, on both of their paths.
   */
  @Test
  void aSnapshotListsTheNonZeroRowsThenTheRowsChangedSince() {
    for (OptimizerSpec spec :
        new OptimizerSpec[] {Optimizers.ftrl(0.1).ftrl(1, 0, 1), Optimizers.sgd(0.1)}) {
      int bits = 12;
      ModelTrainer t = trainer(bits, spec);
      SplittableRandom r = new SplittableRandom(5);
      step(t, r, bits);
      // The first publication is full: every row whose weight is not zero, however it is written
      // (-0 is zero).
      Tensor table = t.model().sparseTables().get(0);
      table.storage()[7] = -0f;
      table.storage()[8] = Float.NaN;
      table.storage()[4095] = 2f;
      SparseRows full = t.takeSparseRows();
      assertTrue(full.full());
      assertArrayEquals(nonZero(table.storage(), 1), full.rows()[0]);
      assertTrue(full.rows()[0].length > 2, "some rows trained");
      assertEquals(4095, full.rows()[0][full.rows()[0].length - 1]);
      // Deltas: few changes (a sorted list) and many (the bitset, words holding 0 to 64 rows).
      int[][][] steps = {
        {{3, 900, 17}, {17, 2000}},
        {{64, 65, 66, 67, 68}, {0, 1, 2, 3}, {4095, 4094, 4032}},
        wholeWords(),
      };
      for (int[][] impressions : steps) {
        float[] was = table.storage().clone();
        Set<Integer> touched = stepOn(t, impressions);
        int[] expected = changedRows(was, table.storage(), 1);
        assertEquals(touched.size(), expected.length, spec + ": every touched row changed");
        SparseRows delta = t.takeSparseRows();
        assertFalse(delta.full());
        assertArrayEquals(expected, delta.rows()[0], spec.toString());
        float[] w = table.storage();
        for (int k = 0; k < expected.length; k++) {
          assertEquals(w[expected[k]], delta.values()[0][k], 0f, "row " + expected[k]);
        }
      }
      assertEquals(0, t.takeSparseRows().rows()[0].length, "changes forgotten once published");
    }
  }

  /**
   * FTRL's L1 keeps a rare feature's weight at exactly zero while its z and n move: a delta leaves
   * out the rows a step touched but did not change (a reader holds their value already), and
   * carries every row that changed since the last publication, over several steps; a checkpoint
   * still writes every touched row's chunk (its z and n changed).
   */
  @Test
  void aDeltaLeavesOutTheRowsWhoseWeightsTheStepsKept() {
    for (OptimizerSpec spec : new OptimizerSpec[] {Optimizers.ftrl(0.1), Optimizers.sgd(0.1)}) {
      int bits = 14;
      ModelTrainer t = trainer(bits, spec);
      Tensor table = t.model().sparseTables().get(0);
      SplittableRandom r = new SplittableRandom(21);
      for (int s = 0; s < 30; s++) {
        step(t, r, bits);
      }
      t.takeSparseRows(); // full
      t.takeDirtyChunks();
      Set<Integer> touched = new HashSet<>();
      java.util.TreeSet<Integer> changed = new java.util.TreeSet<>();
      for (int s = 0; s < 3; s++) {
        float[] was = table.storage().clone();
        touched.addAll(stepRows(t, r, bits));
        for (int row : changedRows(was, table.storage(), 1)) {
          changed.add(row); // changed by a step: published, even if a later one changed it back
        }
      }
      int[] expected = changed.stream().mapToInt(Integer::intValue).toArray();
      SparseRows delta = t.takeSparseRows();
      assertArrayEquals(expected, delta.rows()[0], spec.toString());
      for (int k = 0; k < expected.length; k++) {
        assertEquals(table.storage()[expected[k]], delta.values()[0][k], 0f);
      }
      if (spec.toString().startsWith("ftrl")) {
        assertTrue(
            expected.length < touched.size() / 2,
            "L1: most touched rows kept their zero: " + expected.length + " of " + touched.size());
      } else {
        assertEquals(touched.size(), expected.length, "SGD moves every touched weight");
      }
      Set<Integer> chunks = new HashSet<>();
      touched.forEach(row -> chunks.add(row / SparseTables.CHUNK_ROWS));
      assertEquals(chunks.size(), t.takeDirtyChunks().length, "every touched row's chunk written");
    }
  }

  /** {@link #step}, returning the rows it touched. */
  private static Set<Integer> stepRows(ModelTrainer t, SplittableRandom r, int bits) {
    int[][] impressions = new int[64][30];
    for (int[] idx : impressions) {
      for (int k = 0; k < idx.length; k++) {
        idx[k] = r.nextInt(1 << bits);
      }
    }
    return stepOn(t, impressions);
  }

  /** The rows ({@code width} values each) whose bits differ between {@code was} and {@code is}. */
  private static int[] changedRows(float[] was, float[] is, int width) {
    return java.util.stream.IntStream.range(0, was.length / width)
        .filter(
            row ->
                java.util.stream.IntStream.range(0, width)
                    .anyMatch(
                        j ->
                            Float.floatToRawIntBits(was[row * width + j])
                                != Float.floatToRawIntBits(is[row * width + j])))
        .toArray();
  }

  @Test
  void theNonZeroRowsOfAWideTableAreTheRowsWithAnyValueNotZero() {
    SplittableRandom r = new SplittableRandom(11);
    for (int width : new int[] {1, 3}) {
      int rows = 1000; // not a multiple of 64
      float[] w = new float[rows * width];
      for (int i = 0; i < w.length; i++) {
        double u = r.nextDouble();
        w[i] = u < 0.7 ? 0f : u < 0.8 ? -0f : u < 0.81 ? Float.NaN : (float) r.nextGaussian();
      }
      w[w.length - 1] = 1e-45f; // the last row, by its smallest value
      assertArrayEquals(
          nonZero(w, width),
          SparseTables.nonZeroRows(Tensor.wrap(w, rows, width)),
          "width " + width);
    }
  }

  /** Rows filling words of the change bitset to every count: word i holds its first i + 1 rows. */
  private static int[][] wholeWords() {
    java.util.List<int[]> out = new java.util.ArrayList<>();
    for (int word = 0; word < 64; word++) {
      int[] idx = new int[word + 1];
      for (int k = 0; k <= word; k++) {
        idx[k] = 64 * word + k;
      }
      out.add(idx);
    }
    return out.toArray(new int[0][]);
  }

  /** The rows of {@code w} ({@code width} values each) holding a value that is not 0 or -0. */
  private static int[] nonZero(float[] w, int width) {
    return java.util.stream.IntStream.range(0, w.length / width)
        .filter(
            row ->
                java.util.stream.IntStream.range(0, width).anyMatch(j -> w[row * width + j] != 0f))
        .toArray();
  }

  @Test
  void aModelOfTwoTablesNumbersTheSecondTablesChunksAfterTheFirsts() {
    int bits = 10; // a factorization machine: a linear table and a factor table of 2^10 rows each
    TrainerConfig fm =
        TrainerConfig.builder()
            .features(0)
            .model(SparseModels.factorizationMachine(bits, 4))
            .optimizer(Optimizers.adagrad(0.1))
            .batchSize(64)
            .build();
    ModelTrainer t = new ModelTrainer(fm, "m");
    int chunksPerTable = (1 << bits) / SparseTables.CHUNK_ROWS;
    assertEquals(2 * chunksPerTable, t.chunkCount());
    t.takeDirtyChunks();
    Set<Integer> rows = stepOn(t, new int[][] {{5, 700, 1023}, {16, 5, 64 * 3 + 2}});
    java.util.TreeSet<Integer> expected = new java.util.TreeSet<>();
    for (int row : rows) {
      expected.add(row / SparseTables.CHUNK_ROWS); // the linear table's chunk
      expected.add(chunksPerTable + row / SparseTables.CHUNK_ROWS); // the factors'
    }
    assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), t.takeDirtyChunks());
  }

  @Test
  void aCheckpointWritesTheChunksTheStepsTouched() {
    int bits = 20;
    ModelTrainer t = trainer(bits);
    SplittableRandom r = new SplittableRandom(1);
    Set<Integer> touched = step(t, r, bits);
    int[] dirty = t.takeDirtyChunks();
    assertEquals(touched.size(), dirty.length, "exactly the touched chunks");
    assertTrue(dirty.length < t.chunkCount() / 30, dirty.length + " of " + t.chunkCount());
    assertEquals(0, t.takeDirtyChunks().length, "forgotten once written");

    // A second trainer restored from the state and the written chunks continues identically.
    for (int s = 0; s < 20; s++) {
      step(t, r, bits);
    }
    ModelTrainer copy = trainer(bits);
    copy.restore(t.toState(), "m");
    for (int id = 0; id < t.chunkCount(); id++) {
      copy.loadChunk(id, t.chunk(id));
    }
    SplittableRandom r1 = new SplittableRandom(9);
    SplittableRandom r2 = new SplittableRandom(9);
    for (int s = 0; s < 5; s++) {
      step(t, r1, bits);
      step(copy, r2, bits);
    }
    for (int id = 0; id < t.chunkCount(); id += 97) {
      assertArrayEquals(t.chunk(id), copy.chunk(id), 0f, "chunk " + id);
    }
  }

  @Test
  void theDivergenceGuardPutsTheTouchedRowsBack() {
    for (OptimizerSpec spec : new OptimizerSpec[] {Optimizers.adagrad(0.5), Optimizers.sgd(0.05)}) {
      // A finite loss and gradient whose update overflows (learning rate 1e30).
      divergenceRolledBack(spec, 1e30f, new float[] {1f, 1f, 1f, 1f}, 1e10f);
    }
    // FTRL keeps its own undo of the rows it updates (no copy by the tables): a gradient whose
    // square overflows its accumulator n, with a loss that stays finite.
    divergenceRolledBack(Optimizers.ftrl(0.1), 0f, new float[] {1e3f, 1e3f, 1e3f, 1e3f}, 1e18f);
  }

  private void divergenceRolledBack(OptimizerSpec spec, float lr, float[] val, float label) {
    TrainerConfig config =
        TrainerConfig.builder()
            .features(0)
            .model(SparseModels.linear(12))
            .optimizer(spec)
            .batchSize(64)
            .build();
    ModelTrainer t = new ModelTrainer(config, "m");
    SplittableRandom r = new SplittableRandom(2);
    for (int s = 0; s < 10; s++) {
      step(t, r, 12); // labels 0/1: a sane model with non-zero accumulators
    }
    float[][] before = new float[t.chunkCount()][];
    for (int id = 0; id < before.length; id++) {
      before[id] = t.chunk(id);
    }
    long version = t.version();
    int[] idx = {1, 2, 3, 2000};
    // Caught after the step, and undone.
    if (lr > 0) {
      t.optimizer().setLearningRate(lr);
    }
    t.add(new float[0], idx, val, label, 1f);
    assertEquals(ModelTrainer.StepResult.REJECTED_NON_FINITE, t.step(), spec.toString());
    assertEquals(version, t.version());
    for (int id = 0; id < before.length; id++) {
      assertArrayEquals(before[id], t.chunk(id), 0f, "chunk " + id + ": bit for bit");
    }
  }
}
