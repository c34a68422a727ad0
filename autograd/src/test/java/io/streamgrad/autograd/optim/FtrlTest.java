package io.streamgrad.autograd.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Embeddings;
import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FTRL-Proximal against an independent double-precision transcription of Algorithm 1 of McMahan et
 * al. (KDD 2013): logistic regression, one sample at a time, the bias as a feature that is always
 * 1.
 */
class FtrlTest {

  static final int DIM = 64;
  static final float ALPHA = 0.1f;
  static final float BETA = 1f;
  static final float L1 = 2f;
  static final float L2 = 0.1f;

  /** Algorithm 1, literally; coordinate DIM is the bias. */
  static final class Reference {
    final double[] z = new double[DIM + 1];
    final double[] n = new double[DIM + 1];

    double weight(int i) {
      if (Math.abs(z[i]) <= L1) {
        return 0;
      }
      return -(z[i] - Math.signum(z[i]) * L1) / ((BETA + Math.sqrt(n[i])) / ALPHA + L2);
    }

    void learn(int[] idx, float[] val, float y) {
      int[] i2 = java.util.Arrays.copyOf(idx, idx.length + 1);
      double[] x = new double[idx.length + 1];
      for (int k = 0; k < idx.length; k++) {
        x[k] = val[k];
      }
      i2[idx.length] = DIM;
      x[idx.length] = 1;
      double[] w = new double[i2.length];
      double dot = 0;
      for (int k = 0; k < i2.length; k++) {
        w[k] = weight(i2[k]);
        dot += w[k] * x[k];
      }
      double p = 1 / (1 + Math.exp(-dot));
      for (int k = 0; k < i2.length; k++) {
        int i = i2[k];
        double g = (p - y) * x[k];
        double sigma = (Math.sqrt(n[i] + g * g) - Math.sqrt(n[i])) / ALPHA;
        z[i] += g - sigma * w[k];
        n[i] += g * g;
      }
    }
  }

  /**
   * Up to 6 coordinates a sample stay in the kernel's scalar tail; up to 24 fill its vector lanes
   * (8 or 16 wide) too.
   */
  @ParameterizedTest
  @ValueSource(ints = {6, 24})
  void matchesAlgorithmOneSampleBySample(int maxActive) {
    SplittableRandom rnd = new SplittableRandom(11);
    double[] truth = new double[DIM];
    for (int i = 0; i < DIM; i++) {
      truth[i] = i % 4 == 0 ? rnd.nextGaussian() * 2 : 0; // a sparse truth
    }
    Reference ref = new Reference();
    Tensor w = Tensor.zeros(DIM, 1).requiresGrad(true);
    Tensor b = Tensor.zeros().requiresGrad(true);
    Ftrl ftrl = new Ftrl(List.of(w, b), ALPHA, BETA, L1, L2);
    SparseBatch batch = new SparseBatch();
    for (int t = 0; t < 3_000; t++) {
      int active = 1 + rnd.nextInt(maxActive);
      int[] idx = new int[active];
      float[] val = new float[active];
      double logit = -0.3;
      for (int k = 0; k < active; k++) {
        // distinct indices: Algorithm 1 has one entry per coordinate
        int i;
        do {
          i = rnd.nextInt(DIM);
        } while (contains(idx, k, i));
        idx[k] = i;
        val[k] = rnd.nextBoolean() ? 1f : (float) rnd.nextDouble(0.1, 2);
        logit += truth[i] * val[k];
      }
      float y = rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1f : 0f;
      ref.learn(idx, val, y);

      batch.clear().addRow(idx, val, 0, active);
      ftrl.zeroGrad();
      Tensor logits = Embeddings.bag(w, batch, true).reshape(1).add(b);
      Losses.bceWithLogits(logits, Tensor.of(y)).backward();
      ftrl.step();
    }
    int zeros = 0;
    float[] got = w.toArray();
    for (int i = 0; i < DIM; i++) {
      double expected = ref.weight(i);
      assertEquals(expected, got[i], 1e-4 + 1e-4 * Math.abs(expected), "coordinate " + i);
      if (expected == 0) {
        zeros++;
        assertEquals(0f, got[i], 0f, "L1 gives exact zeros");
      }
    }
    assertEquals(ref.weight(DIM), b.item(), 1e-4);
    // More coordinates a sample give the null ones more chances to look useful.
    int expectedZeros = maxActive <= 6 ? DIM / 8 : DIM / 16;
    assertTrue(zeros >= expectedZeros, "L1 keeps null coordinates at exactly zero: " + zeros);
  }

  /**
   * {@code y.length} rows of 12 entries over a quarter of the coordinates (so repeats in every
   * batch), values from {@code value}, labels 0 or 1.
   */
  private static void repeatingBatch(
      SparseBatch batch, float[] y, DoubleSupplier value, SplittableRandom rnd) {
    batch.clear();
    for (int b = 0; b < y.length; b++) {
      for (int k = 0; k < 12; k++) {
        batch.add(rnd.nextInt(DIM / 4), (float) value.getAsDouble());
      }
      batch.endRow();
      y[b] = rnd.nextBoolean() ? 1f : 0f;
    }
  }

  /**
   * Batches full of repeated coordinates: the gradient summed on the way (uncoalesced, width 1) and
   * summed by {@code coalesce()} first (what the trainer hands over) give the same weights and
   * state, bit for bit.
   */
  @Test
  void repeatedCoordinatesSumTheSameWhetherCoalescedOrNot() {
    SplittableRandom rnd = new SplittableRandom(17);
    Tensor w1 = Tensor.zeros(DIM, 1).requiresGrad(true);
    Tensor w2 = Tensor.zeros(DIM, 1).requiresGrad(true);
    Ftrl f1 = new Ftrl(List.of(w1), ALPHA, BETA, L1, L2);
    Ftrl f2 = new Ftrl(List.of(w2), ALPHA, BETA, L1, L2);
    SparseBatch batch = new SparseBatch();
    float[] y = new float[8];
    for (int t = 0; t < 300; t++) {
      repeatingBatch(batch, y, () -> rnd.nextBoolean() ? 1f : (float) rnd.nextGaussian(), rnd);
      for (int v = 0; v < 2; v++) {
        Tensor w = v == 0 ? w1 : w2;
        Ftrl f = v == 0 ? f1 : f2;
        f.zeroGrad();
        Losses.bceWithLogits(Embeddings.bag(w, batch, true).reshape(y.length), Tensor.of(y))
            .backward();
        if (v == 1) {
          w.sparseGrad().coalesce();
        } else {
          assertTrue(!w.sparseGrad().isCoalesced(), "repeats in every batch");
        }
        f.step();
      }
      assertArrayEquals(w2.toArray(), w1.toArray(), 0f, "step " + t);
    }
    OptimizerState s1 = f1.state();
    OptimizerState s2 = f2.state();
    for (int i = 0; i < s1.slots().length; i++) {
      assertArrayEquals(s2.slots()[i], s1.slots()[i], 0f);
    }
    for (float n : s1.slots()[1]) {
      assertTrue(Float.floatToRawIntBits(n) >= 0, "no mark left: " + n);
    }
  }

  /**
   * {@code undoSparseUpdates} after a step puts the weights and z, n back bit for bit, on both
   * update paths (summed on the way, and coalesced first), repeated coordinates included; the next
   * step then continues exactly as if the undone one had not happened.
   */
  @Test
  void undoPutsBackWhatTheLastSparseStepChanged() {
    for (boolean coalesced : new boolean[] {false, true}) {
      SplittableRandom rnd = new SplittableRandom(23);
      Tensor w = Tensor.zeros(DIM, 1).requiresGrad(true);
      Tensor twin = Tensor.zeros(DIM, 1).requiresGrad(true);
      Ftrl f = new Ftrl(List.of(w), ALPHA, BETA, L1, L2);
      Ftrl g = new Ftrl(List.of(twin), ALPHA, BETA, L1, L2); // keeps none: the same steps
      assertTrue(f.keepSparseUndo());
      SparseBatch batch = new SparseBatch();
      float[] y = new float[8];
      for (int t = 0; t < 60; t++) {
        repeatingBatch(batch, y, () -> (float) rnd.nextGaussian(), rnd);
        float[] weights = w.toArray();
        OptimizerState state = f.state();
        boolean undo = t % 3 == 1;
        for (Ftrl o : undo ? List.of(f) : List.of(f, g)) {
          Tensor p = o == f ? w : twin;
          o.zeroGrad();
          Losses.bceWithLogits(Embeddings.bag(p, batch, true).reshape(y.length), Tensor.of(y))
              .backward();
          if (coalesced) {
            p.sparseGrad().coalesce();
          }
          o.step();
        }
        if (undo) {
          f.undoSparseUpdates();
          assertArrayEquals(weights, w.toArray(), 0f, "weights after undo, step " + t);
          for (int i = 0; i < state.slots().length; i++) {
            assertArrayEquals(state.slots()[i], f.state().slots()[i], 0f, "slot " + i);
          }
        }
        assertArrayEquals(twin.toArray(), w.toArray(), 0f, "as if never taken, step " + t);
      }
    }
  }

  /** A warm start's weights: FTRL's state is set so that Algorithm 1 derives them, n = 0. */
  @Test
  void loadedWeightsGetTheStateThatDerivesThem() {
    SplittableRandom rnd = new SplittableRandom(5);
    float[] start = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      start[i] = i % 3 == 0 ? 0f : (float) rnd.nextGaussian();
    }
    Tensor w = Tensor.zeros(DIM, 1).requiresGrad(true);
    Ftrl ftrl = new Ftrl(List.of(w), ALPHA, BETA, L1, L2);
    System.arraycopy(start, 0, w.storage(), 0, DIM); // loaded over the optimizer's zeros
    int[] rows = new int[DIM];
    for (int i = 0; i < DIM; i++) {
      rows[i] = i;
    }
    ftrl.weightsLoaded(0, rows, DIM, 1);
    OptimizerState state = ftrl.state();
    float[] z = state.slots()[0];
    float[] n = state.slots()[1];
    for (int i = 0; i < DIM; i++) {
      assertEquals(0f, n[i], 0f);
      double excess = Math.abs(z[i]) - L1;
      double derived = excess <= 0 ? 0 : -Math.signum(z[i]) * excess / (BETA / ALPHA + L2);
      assertEquals(start[i], derived, 1e-6 * (1 + Math.abs(start[i])), "coordinate " + i);
      assertEquals(start[i], w.toArray()[i], 0f, "the weights stay as loaded");
    }
  }

  private static boolean contains(int[] a, int n, int v) {
    for (int k = 0; k < n; k++) {
      if (a[k] == v) {
        return true;
      }
    }
    return false;
  }

  @Test
  void stateRoundTripContinuesBitForBit() {
    SplittableRandom rnd = new SplittableRandom(3);
    Tensor w1 = Tensor.zeros(DIM, 1).requiresGrad(true);
    Ftrl f1 = new Ftrl(List.of(w1), ALPHA, BETA, L1, L2);
    SparseBatch batch = new SparseBatch();
    int[][] idx = new int[40][];
    float[][] ys = new float[40][];
    for (int t = 0; t < 40; t++) {
      idx[t] = new int[] {rnd.nextInt(DIM), rnd.nextInt(DIM)};
      ys[t] = new float[] {rnd.nextBoolean() ? 1f : 0f};
    }
    Tensor w2 = null;
    Ftrl f2 = null;
    for (int t = 0; t < 40; t++) {
      if (t == 20) {
        w2 = Tensor.of(w1.toArray()).reshape(DIM, 1).detach().requiresGrad(true);
        f2 = new Ftrl(List.of(w2), ALPHA, BETA, L1, L2);
        try (var off = io.streamgrad.autograd.Grad.disabled()) {
          w2.copyFrom(Tensor.of(w1.toArray()).reshape(DIM, 1)); // as a trainer restores it
        }
        f2.loadState(f1.state());
      }
      for (var pair :
          t < 20 ? List.of(List.of(w1, f1)) : List.of(List.of(w1, f1), List.of(w2, f2))) {
        Tensor w = (Tensor) pair.get(0);
        Ftrl f = (Ftrl) pair.get(1);
        batch.clear().addRow(idx[t], new float[] {1f, 1f}, 0, 2);
        f.zeroGrad();
        Losses.bceWithLogits(Embeddings.bag(w, batch, true).reshape(1), Tensor.of(ys[t]))
            .backward();
        f.step();
      }
    }
    assertArrayEquals(w1.toArray(), w2.toArray(), 0f);
    assertEquals(List.of("z", "n"), f1.slotNames());
  }
}
