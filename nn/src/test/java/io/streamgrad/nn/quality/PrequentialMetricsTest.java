package io.streamgrad.nn.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The prequential metrics against direct computations of the same definitions. */
class PrequentialMetricsTest {

  @Test
  void regressionSinceStartAndFaded() {
    SplittableRandom r = new SplittableRandom(1);
    PrequentialMetrics m = new PrequentialMetrics(false);
    double abs = 0;
    double sq = 0;
    double fAbs = 0;
    double fSq = 0;
    double fN = 0;
    int n = 0;
    for (int batch = 0; batch < 60; batch++) {
      int size = 1 + r.nextInt(64);
      float[] p = new float[size];
      float[] y = new float[size];
      double decay = Math.pow(PrequentialMetrics.FADING, size);
      fAbs *= decay;
      fSq *= decay;
      fN *= decay;
      for (int i = 0; i < size; i++) {
        p[i] = (float) r.nextGaussian();
        y[i] = (float) r.nextGaussian();
        double e = (double) p[i] - y[i];
        abs += Math.abs(e);
        sq += e * e;
        fAbs += Math.abs(e);
        fSq += e * e;
        fN += 1;
        n++;
      }
      m.add(p, y, size);
    }
    assertEquals(n, m.samples());
    assertEquals(abs / n, m.mae(false), 1e-12);
    assertEquals(Math.sqrt(sq / n), m.rmse(false), 1e-12);
    assertEquals(fAbs / fN, m.mae(true), 1e-12);
    assertEquals(Math.sqrt(fSq / fN), m.rmse(true), 1e-12);
    assertTrue(Double.isNaN(m.auc(false)) && Double.isNaN(m.logLoss(true)));
  }

  @Test
  void classificationLogLossAccuracyAndAuc() {
    SplittableRandom r = new SplittableRandom(2);
    PrequentialMetrics m = new PrequentialMetrics(true);
    int n = 4096;
    float[] p = new float[n];
    float[] y = new float[n];
    double log = 0;
    int correct = 0;
    for (int i = 0; i < n; i++) {
      y[i] = r.nextBoolean() ? 1 : 0;
      double logit = (y[i] == 1 ? 0.8 : -0.8) + r.nextGaussian();
      p[i] = (float) (1 / (1 + Math.exp(-logit)));
      log -= y[i] == 1 ? Math.log(p[i]) : Math.log(1 - p[i]);
      correct += (p[i] >= 0.5) == (y[i] == 1) ? 1 : 0;
    }
    for (int off = 0; off < n; off += 64) {
      m.add(
          java.util.Arrays.copyOfRange(p, off, off + 64),
          java.util.Arrays.copyOfRange(y, off, off + 64),
          64);
    }
    assertEquals(log / n, m.logLoss(false), 1e-9);
    assertEquals((double) correct / n, m.accuracy(false), 1e-12);
    double exact = exactAuc(p, y);
    assertEquals(exact, m.auc(false), 1.0 / PrequentialMetrics.AUC_BINS, "histogram AUC");
    assertTrue(exact > 0.75 && exact < 0.9, "a useful, imperfect classifier: " + exact);
    assertEquals(m.auc(false), m.auc(true), 0.05, "the window of a stationary stream");
  }

  @Test
  void aucOfPerfectAndOfUselessScores() {
    PrequentialMetrics m = new PrequentialMetrics(true);
    m.add(new float[] {0.9f, 0.95f, 0.1f, 0.05f}, new float[] {1, 1, 0, 0}, 4);
    assertEquals(1.0, m.auc(false));
    PrequentialMetrics same = new PrequentialMetrics(true);
    same.add(new float[] {0.5f, 0.5f}, new float[] {1, 0}, 2);
    assertEquals(0.5, same.auc(false));
    PrequentialMetrics oneClass = new PrequentialMetrics(true);
    oneClass.add(new float[] {0.5f}, new float[] {1}, 1);
    assertTrue(Double.isNaN(oneClass.auc(true)));
  }

  @Test
  void theWindowForgetsTheOldRegime() {
    PrequentialMetrics m = new PrequentialMetrics(false);
    float[] zero = new float[50];
    float[] one = new float[50];
    java.util.Arrays.fill(one, 1f);
    for (int i = 0; i < 200; i++) {
      m.add(zero, one, 50); // error 1
    }
    for (int i = 0; i < 200; i++) {
      m.add(one, one, 50); // error 0
    }
    assertEquals(0.5, m.mae(false), 1e-12);
    assertTrue(m.mae(true) < 1e-4, "after 10 windows: " + m.mae(true));
  }

  @Test
  void stateRoundTrip() {
    PrequentialMetrics m = new PrequentialMetrics(true);
    m.add(new float[] {0.2f, 0.7f}, new float[] {0, 1}, 2);
    PrequentialMetrics back = new PrequentialMetrics(true);
    back.loadState(m.state());
    assertArrayEquals(m.state(), back.state());
    assertEquals(m.auc(true), back.auc(true));
    assertThrows(
        IllegalStateException.class, () -> new PrequentialMetrics(false).loadState(m.state()));
  }

  static double exactAuc(float[] p, float[] y) {
    double pairs = 0;
    double count = 0;
    for (int i = 0; i < p.length; i++) {
      if (y[i] != 1) {
        continue;
      }
      for (int j = 0; j < p.length; j++) {
        if (y[j] == 1) {
          continue;
        }
        count++;
        pairs += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
      }
    }
    return pairs / count;
  }
}
