package io.streamgrad.jobs.demo;

import io.streamgrad.nn.CtrSimulation;
import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tutorial's data, per model: {@code w_true ~ randn(d)}, {@code X = (rand - 0.5) * 5}, {@code Y
 * = X w_true + noise * randn}. Models take turns, so every model's samples interleave. The same
 * seed gives the same weights and the same samples.
 *
 * <p>Two ways to make it harder, each keeping the truth known: {@link #rawLooking} writes features
 * as {@code x·S + O} (the same true function of the raw features: weights {@code w/S}, bias {@code
 * -Σ w O/S}), and {@link #driftAt} draws new true weights for each model after its first N samples.
 */
public final class SyntheticData {
  private final int features;
  private final float noise;
  private final SplittableRandom rng;
  private final Map<String, float[]> trueWeights = new LinkedHashMap<>();
  private final List<String> modelIds = new ArrayList<>();
  private long produced;
  private float scale = 1f;
  private float offset = 0f;
  private long driftAt;
  private long noiseAt;
  private final long seed;

  // Click data (sparse()): a simulation per model, and each sample's true probability scored.
  private Map<String, CtrSimulation> clicks;
  private Map<String, PrequentialMetrics> trueModel;
  private int[] tokenIds;

  public SyntheticData(int features, int models, float noise, long seed) {
    this.features = features;
    this.noise = noise;
    this.rng = new SplittableRandom(seed);
    this.seed = seed;
    for (int m = 0; m < models; m++) {
      String id = "model-" + m;
      float[] w = new float[features];
      for (int j = 0; j < features; j++) {
        w[j] = (float) rng.nextGaussian();
      }
      modelIds.add(id);
      trueWeights.put(id, w);
    }
  }

  /** Features written as {@code x·scale + offset}: what raw measurements look like. */
  public SyntheticData rawLooking(float scale, float offset) {
    if (!(scale != 0 && Float.isFinite(scale) && Float.isFinite(offset))) {
      throw new IllegalArgumentException(
          "feature scale must be finite and non-zero, offset finite: " + scale + ", " + offset);
    }
    this.scale = scale;
    this.offset = offset;
    return this;
  }

  /** Each model's true weights change (new draws) after its first {@code n} samples; 0: never. */
  public SyntheticData driftAt(long n) {
    this.driftAt = n;
    return this;
  }

  /**
   * Each model's labels turn to noise after its first {@code n} samples: drawn with the spread of
   * the true outputs but unrelated to the features (what a broken upstream looks like); 0: never.
   */
  public SyntheticData noiseAt(long n) {
    this.noiseAt = n;
    return this;
  }

  /**
   * Click-through data instead of regression: each model's impressions carry {@code active} of
   * {@code distinct} Zipf-distributed tokens ({@link CtrSimulation}, its own sparse truth per
   * model) besides the dense features (true weights ~ N(0, 0.5^2)), and a click drawn from the true
   * logistic model of both parts. {@link #trueModelMetrics} scores the true model on the same
   * samples: the best any model can do.
   */
  public SyntheticData sparse(int distinct, int active) {
    clicks = new LinkedHashMap<>();
    trueModel = new LinkedHashMap<>();
    for (int m = 0; m < modelIds.size(); m++) {
      String id = modelIds.get(m);
      clicks.put(
          id, new CtrSimulation(seed * 31 + m, distinct, active, CtrSimulation.DEFAULT_ZIPF));
      trueModel.put(id, new PrequentialMetrics(true));
      float[] w = trueWeights.get(id);
      for (int j = 0; j < w.length; j++) {
        w[j] *= 0.5f;
      }
    }
    tokenIds = new int[active];
    return this;
  }

  /** Whether this is click data ({@link #sparse}). */
  public boolean isClickData() {
    return clicks != null;
  }

  /** The standard deviation of the regression labels' noise. */
  public float noise() {
    return noise;
  }

  /** The true model's prequential metrics per model (click data only; empty otherwise). */
  public Map<String, PrequentialMetrics> trueModelMetrics() {
    return trueModel == null ? Map.of() : trueModel;
  }

  private Sample nextClick(String id) {
    CtrSimulation sim = clicks.get(id);
    float[] w = trueWeights.get(id);
    List<Float> x = new ArrayList<>(features);
    double logit = sim.draw(rng, tokenIds);
    for (int j = 0; j < features; j++) {
      float v = (float) rng.nextGaussian();
      x.add(v * scale + offset);
      logit += v * w[j];
    }
    float label = CtrSimulation.click(rng, logit);
    trueModel
        .get(id)
        .add(new float[] {(float) (1 / (1 + Math.exp(-logit)))}, new float[] {label}, 1);
    List<String> tokens = new ArrayList<>(tokenIds.length);
    for (int t : tokenIds) {
      tokens.add(CtrSimulation.token(t));
    }
    return Sample.newBuilder()
        .setModelId(id)
        .setFeatures(x)
        .setLabel(label)
        .setTokens(tokens)
        .build();
  }

  /** The next sample, round-robin over the models. */
  public Sample next() {
    long k = produced++;
    int m = (int) (k % modelIds.size());
    String id = modelIds.get(m);
    if (clicks != null) {
      return nextClick(id);
    }
    if (driftAt > 0 && k / modelIds.size() == driftAt) {
      drift(id, m);
    }
    float[] w = trueWeights.get(id);
    List<Float> x = new ArrayList<>(features);
    double y = 0;
    for (int j = 0; j < features; j++) {
      float v = (rng.nextFloat() - 0.5f) * 5f;
      x.add(v * scale + offset);
      y += v * w[j];
    }
    y += noise * rng.nextGaussian();
    if (noiseAt > 0 && k / modelIds.size() >= noiseAt) {
      double spread = 0;
      for (float v : w) {
        spread += v * v;
      }
      y = Math.sqrt(spread * 25 / 12) * rng.nextGaussian(); // the sd of w·x for x ~ U(-2.5, 2.5)
    }
    return Sample.newBuilder().setModelId(id).setFeatures(x).setLabel((float) y).build();
  }

  /**
   * Request {@code i} for the models in turn, with features drawn like the samples' from {@code
   * rng}; its true output is {@link #trueOutput} (noise-free).
   */
  public PredictionRequest request(long i, SplittableRandom rng) {
    String id = modelIds.get((int) (i % modelIds.size()));
    if (clicks != null) {
      return clickRequest(id, "req-" + i, rng);
    }
    List<Float> x = new ArrayList<>(features);
    for (int j = 0; j < features; j++) {
      x.add((rng.nextFloat() - 0.5f) * 5f * scale + offset);
    }
    return PredictionRequest.newBuilder()
        .setModelId(id)
        .setRequestId("req-" + i)
        .setFeatures(x)
        .build();
  }

  /** An impression to predict: dense features and tokens drawn as the samples' are. */
  private PredictionRequest clickRequest(String id, String requestId, SplittableRandom rng) {
    int[] ids = new int[tokenIds.length];
    clicks.get(id).draw(rng, ids);
    List<String> tokens = new ArrayList<>(ids.length);
    for (int t : ids) {
      tokens.add(CtrSimulation.token(t));
    }
    List<Float> x = new ArrayList<>(features);
    for (int j = 0; j < features; j++) {
      x.add((float) rng.nextGaussian() * scale + offset);
    }
    return PredictionRequest.newBuilder()
        .setModelId(id)
        .setRequestId(requestId)
        .setFeatures(x)
        .setTokens(tokens)
        .build();
  }

  /**
   * The true function's value (no noise) for {@code r}'s model and features; for click data, the
   * true click probability of the impression.
   */
  public float trueOutput(PredictionRequest r) {
    float[] w = trueWeights.get(r.getModelId());
    if (clicks != null) {
      CtrSimulation sim = clicks.get(r.getModelId());
      double logit = sim.trueBias();
      for (CharSequence t : r.getTokens()) {
        logit += sim.trueWeight(CtrSimulation.tokenId(t.toString()));
      }
      for (int j = 0; j < features; j++) {
        logit += (r.getFeatures().get(j) - offset) / scale * w[j];
      }
      return (float) (1 / (1 + Math.exp(-logit)));
    }
    double y = 0;
    for (int j = 0; j < features; j++) {
      y += (r.getFeatures().get(j) - offset) / scale * w[j];
    }
    return (float) y;
  }

  /** Every model's weights as after its drift (for requests answered after the samples). */
  public SyntheticData drifted() {
    for (int m = 0; m < modelIds.size(); m++) {
      drift(modelIds.get(m), m);
    }
    return this;
  }

  /** New true weights for model {@code m}, from their own stream: the samples stay the same. */
  private void drift(String id, int m) {
    SplittableRandom r = new SplittableRandom(seed * 31 + m + 0x5DEECE66DL);
    float[] w = new float[features];
    for (int j = 0; j < features; j++) {
      w[j] = (float) r.nextGaussian();
    }
    trueWeights.put(id, w);
  }

  /**
   * The true weights as the model sees them: of the raw features (divided by the scale), the ones
   * after a drift once it happened.
   */
  public Map<String, float[]> trueWeights() {
    if (scale == 1f) {
      return trueWeights;
    }
    Map<String, float[]> raw = new LinkedHashMap<>();
    trueWeights.forEach(
        (id, w) -> {
          float[] r = new float[features];
          for (int j = 0; j < features; j++) {
            r[j] = w[j] / scale;
          }
          raw.put(id, r);
        });
    return raw;
  }

  /** The true bias of the raw features: {@code -Σ w O / S} (0 without an offset). */
  public Map<String, Float> trueBias() {
    Map<String, Float> out = new LinkedHashMap<>();
    trueWeights.forEach(
        (id, w) -> {
          double b = 0;
          for (int j = 0; j < features; j++) {
            b -= (double) w[j] * offset / scale;
          }
          if (clicks != null) {
            b += clicks.get(id).trueBias();
          }
          out.put(id, (float) b);
        });
    return out;
  }
}
