package io.streamgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.GradCheck;
import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.AdaGrad;
import io.streamgrad.autograd.optim.Ftrl;
import io.streamgrad.autograd.optim.Optimizer;
import io.streamgrad.nn.quality.PrequentialMetrics;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SparseModelsTest {

  @Test
  void factorizationMachineEqualsItsPairwiseDefinition() {
    FactorizationMachine fm = new FactorizationMachine(2, 4, 3, new SplittableRandom(1));
    SplittableRandom rnd = new SplittableRandom(2);
    for (Tensor p : fm.parameters()) {
      try (var off = io.streamgrad.autograd.Grad.disabled()) {
        p.copyFrom(Tensor.randn(rnd, p.shape()));
      }
    }
    int[][] idx = {{1, 5, 9}, {}, {3, 3, 15}};
    float[][] val = {{0.5f, -1f, 2f}, {}, {1f, 0.25f, -0.5f}};
    SparseBatch b = SparseBatch.of(idx, val);
    Tensor x = Tensor.of(new float[][] {{0.3f, -0.2f}, {1f, 2f}, {-1f, 0.5f}});
    float[] got = fm.forward(x, b).toArray();
    float[] dw = fm.parameters().get(0).toArray();
    float[] lin = fm.parameters().get(1).toArray();
    Tensor f = fm.factors();
    float bias = fm.parameters().get(3).item();
    for (int r = 0; r < 3; r++) {
      double y = bias + x.get(r, 0) * dw[0] + x.get(r, 1) * dw[1];
      for (int i = 0; i < idx[r].length; i++) {
        y += lin[idx[r][i]] * val[r][i];
        for (int j = i + 1; j < idx[r].length; j++) {
          double dot = 0;
          for (int k = 0; k < 3; k++) {
            dot += f.get(idx[r][i], k) * f.get(idx[r][j], k);
          }
          y += dot * val[r][i] * val[r][j];
        }
      }
      assertEquals(y, got[r], 1e-5, "row " + r);
    }
    Tensor[] params = fm.parameters().toArray(new Tensor[0]);
    assertTrue(GradCheck.check(in -> fm.forward(x, b).tanh(), params));
  }

  private static float[] probabilities(float[] logits) {
    float[] p = new float[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (1 / (1 + Math.exp(-logits[i])));
    }
    return p;
  }

  /** Online training on simulated CTR data gets close to the true model's own AUC. */
  @Test
  void learnsSimulatedClicksWithFtrlAndFm() {
    CtrSimulation sim = new CtrSimulation(7, 20_000, 20, 1.05);
    int bits = 18;
    for (String kind : new String[] {"ftrl logistic", "fm adagrad"}) {
      Optimizer opt;
      io.streamgrad.nn.Model model;
      if (kind.startsWith("ftrl")) {
        model = new SparseLinear(0, bits);
        opt = new Ftrl(model.parameters(), 0.1f, 1f, 1f, 1f);
      } else {
        model = new FactorizationMachine(0, bits, 4, new SplittableRandom(3));
        opt = new AdaGrad(model.parameters(), 0.03f);
      }
      PrequentialMetrics learned = new PrequentialMetrics(true);
      PrequentialMetrics truth = new PrequentialMetrics(true);
      SplittableRandom rnd = new SplittableRandom(9);
      SparseBatch batch = new SparseBatch();
      int[] ids = new int[sim.active()];
      float[] ones = new float[sim.active()];
      java.util.Arrays.fill(ones, 1f);
      int[] idx = new int[sim.active()];
      float[] labels = new float[32];
      float[] trueP = new float[32];
      for (int step = 0; step < 3_000; step++) {
        batch.clear();
        for (int r = 0; r < 32; r++) {
          double logit = sim.draw(rnd, ids);
          labels[r] = CtrSimulation.click(rnd, logit);
          trueP[r] = (float) logit;
          for (int k = 0; k < ids.length; k++) {
            idx[k] = (ids[k] * 0x9E3779B1) >>> (32 - bits); // any spreading will do here
          }
          batch.addRow(idx, ones, 0, ids.length);
        }
        Tensor y = Tensor.of(labels);
        opt.zeroGrad();
        Tensor logits = model.forward(null, batch);
        if (step >= 2_000) {
          learned.add(probabilities(logits.toArray()), labels, 32);
          truth.add(probabilities(trueP), labels, 32);
        }
        // FTRL's regularization is per sample, as in the paper: the batch's sum, not its mean.
        Tensor loss = Losses.bceWithLogits(logits, y);
        (opt instanceof Ftrl ? loss.mul(32f) : loss).backward();
        opt.step();
      }
      double auc = learned.auc(false);
      double best = truth.auc(false);
      assertTrue(best > 0.75, "the true model separates clicks: " + best);
      assertTrue(auc > best - 0.06, kind + ": AUC " + auc + " against the truth's " + best);
    }
  }
}
