package io.streamgrad.nn;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Synthetic click-through data with a known truth: {@code distinct} categorical tokens ({@code
 * "c<id>"}) drawn with power-law (Zipf) frequencies, {@code active} per impression, and a click
 * drawn from the true logistic model {@code sigmoid(bias + sum of the tokens' true weights)}. A
 * fifth of the tokens carry a weight (N(0, 0.6^2)), the rest none, so the truth is sparse. The same
 * seed gives the same truth; the impressions come from the caller's generator. A producer sends
 * {@link #token}s; where they land in a model's space is the wire contract's hash (schemas'
 * FeatureHashing).
 */
public final class CtrSimulation {

  /** The defaults of {@code produce --sparse}: 10^6 distinct tokens, 30 per impression. */
  public static final int DEFAULT_DISTINCT = 1_000_000;

  public static final int DEFAULT_ACTIVE = 30;
  public static final double DEFAULT_ZIPF = 1.05;

  private final int active;
  private final double[] cumulative;
  private final float[] trueWeights;
  private final float trueBias;

  public CtrSimulation(long seed, int distinct, int active, double zipfExponent) {
    if (distinct <= 0 || active <= 0) {
      throw new IllegalArgumentException("need at least one distinct token and one per sample");
    }
    this.active = active;
    this.cumulative = zipf(distinct, zipfExponent);
    SplittableRandom truth = new SplittableRandom(seed);
    this.trueWeights = new float[distinct];
    for (int i = 0; i < distinct; i++) {
      trueWeights[i] = truth.nextDouble() < 0.2 ? (float) (truth.nextGaussian() * 0.6) : 0f;
    }
    this.trueBias = -1.5f;
  }

  // One table per (size, exponent): simulations of many models share it (read-only).
  private static final java.util.Map<String, double[]> ZIPF = new java.util.HashMap<>();

  private static synchronized double[] zipf(int distinct, double exponent) {
    return ZIPF.computeIfAbsent(
        distinct + "/" + exponent,
        k -> {
          double[] c = new double[distinct];
          double sum = 0;
          for (int i = 0; i < distinct; i++) {
            sum += 1 / Math.pow(i + 1, exponent);
            c[i] = sum;
          }
          for (int i = 0; i < distinct; i++) {
            c[i] /= sum;
          }
          return c;
        });
  }

  /** With the defaults. */
  public static CtrSimulation standard(long seed) {
    return new CtrSimulation(seed, DEFAULT_DISTINCT, DEFAULT_ACTIVE, DEFAULT_ZIPF);
  }

  /** Tokens per impression. */
  public int active() {
    return active;
  }

  /** Distinct tokens. */
  public int distinct() {
    return trueWeights.length;
  }

  /** The token's text, what a producer sends. */
  public static String token(int id) {
    return "c" + id;
  }

  /** The id of a token made by {@link #token}. */
  public static int tokenId(String token) {
    return Integer.parseInt(token.substring(1));
  }

  /** The true weight of token {@code id}. */
  public float trueWeight(int id) {
    return trueWeights[id];
  }

  public float trueBias() {
    return trueBias;
  }

  /** Fills {@code ids[0, active)} with an impression's tokens; returns its true logit. */
  public double draw(RandomGenerator rng, int[] ids) {
    double logit = trueBias;
    for (int k = 0; k < active; k++) {
      int id = sampleToken(rng.nextDouble());
      ids[k] = id;
      logit += trueWeights[id];
    }
    return logit;
  }

  /** A click drawn from the true model for an impression of true logit {@code logit}. */
  public static float click(RandomGenerator rng, double logit) {
    return rng.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1f : 0f;
  }

  private int sampleToken(double u) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
