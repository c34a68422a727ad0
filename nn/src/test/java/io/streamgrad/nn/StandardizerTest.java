package io.streamgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Running standardization: Welford's statistics, the transform, raw-space weights, its state. */
class StandardizerTest {

  private static float[][] rows(int n, int d, double scale, double offset, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[n][d];
    for (float[] row : x) {
      for (int j = 0; j < d; j++) {
        row[j] = (float) (r.nextGaussian() * scale * (j + 1) + offset * j);
      }
    }
    return x;
  }

  @Test
  void welfordMatchesTwoPassStatistics() {
    float[][] x = rows(5000, 4, 1000, 500, 1);
    Standardizer s = new Standardizer(4, 0);
    for (float[] row : x) {
      s.observe(row, 0);
    }
    for (int j = 0; j < 4; j++) {
      double mean = 0;
      for (float[] row : x) {
        mean += row[j];
      }
      mean /= x.length;
      double var = 0;
      for (float[] row : x) {
        var += (row[j] - mean) * (row[j] - mean);
      }
      double std = Math.sqrt(var / x.length);
      assertEquals(mean, s.mean(j), 1e-9 * Math.abs(mean) + 1e-9);
      assertEquals(std, s.std(j), 1e-9 * std);
    }
    assertEquals(5000, s.count());
  }

  @Test
  void standardizedFeaturesHaveZeroMeanAndUnitVariance() {
    float[][] x = rows(2000, 3, 1000, 500, 2);
    Standardizer s = new Standardizer(3, 0);
    for (float[] row : x) {
      s.observe(row, 0);
    }
    double[] sum = new double[3];
    double[] sq = new double[3];
    float[] z = new float[3];
    for (float[] row : x) {
      s.apply(row, 0, z, 0);
      for (int j = 0; j < 3; j++) {
        sum[j] += z[j];
        sq[j] += z[j] * z[j];
      }
    }
    for (int j = 0; j < 3; j++) {
      assertEquals(0, sum[j] / x.length, 1e-4);
      assertEquals(1, sq[j] / x.length, 1e-4);
    }
  }

  @Test
  void aConstantFeatureIsOnlyCentred() {
    Standardizer s = new Standardizer(1, 0);
    s.observe(new float[] {7}, 0);
    s.observe(new float[] {7}, 0);
    assertEquals(1, s.std(0));
    float[] z = new float[1];
    s.apply(new float[] {9}, 0, z, 0);
    assertEquals(2f, z[0]);
  }

  @Test
  void rawWeightsGiveTheSameLinearFunction() {
    float[][] x = rows(500, 5, 100, 50, 3);
    Standardizer s = new Standardizer(5, 0);
    for (float[] row : x) {
      s.observe(row, 0);
    }
    float[] w = {0.5f, -1f, 2f, 0.25f, -0.75f};
    float b = 0.3f;
    float[] raw = new float[5];
    double rawBias = s.toRaw(w, b, raw);
    float[] z = new float[5];
    for (float[] row : rows(50, 5, 100, 50, 4)) {
      s.apply(row, 0, z, 0);
      double standardized = b;
      double direct = rawBias;
      for (int j = 0; j < 5; j++) {
        standardized += w[j] * z[j];
        direct += raw[j] * (double) row[j];
      }
      assertEquals(standardized, direct, 1e-4 * (1 + Math.abs(standardized)));
    }
  }

  @Test
  void warmUpAndStateRoundTripBitForBit() {
    Standardizer s = new Standardizer(2, 3);
    assertFalse(s.ready());
    for (float[] row : rows(3, 2, 10, 1, 5)) {
      s.observe(row, 0);
    }
    assertTrue(s.ready());
    Standardizer back = new Standardizer(2, 3);
    back.loadState(s.state());
    assertArrayEquals(s.state(), back.state());
    float[] a = new float[2];
    float[] b = new float[2];
    float[] in = {3.5f, -2f};
    s.apply(in, 0, a, 0);
    back.apply(in, 0, b, 0);
    assertArrayEquals(a, b);
    assertArrayEquals(s.state(), Standardizer.of(3, s.count(), s.means(), s.m2()).state());
    assertThrows(IllegalStateException.class, () -> new Standardizer(3, 0).loadState(s.state()));
    assertThrows(IllegalArgumentException.class, () -> new Standardizer(2, -1));
  }
}
