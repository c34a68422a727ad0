package io.streamgrad.jobs.demo;

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
 */
public final class SyntheticData {
  private final int features;
  private final float noise;
  private final SplittableRandom rng;
  private final Map<String, float[]> trueWeights = new LinkedHashMap<>();
  private final List<String> modelIds = new ArrayList<>();
  private long produced;

  public SyntheticData(int features, int models, float noise, long seed) {
    this.features = features;
    this.noise = noise;
    this.rng = new SplittableRandom(seed);
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

  /** The next sample, round-robin over the models. */
  public Sample next() {
    String id = modelIds.get((int) (produced++ % modelIds.size()));
    float[] w = trueWeights.get(id);
    List<Float> x = new ArrayList<>(features);
    double y = 0;
    for (int j = 0; j < features; j++) {
      float v = (rng.nextFloat() - 0.5f) * 5f;
      x.add(v);
      y += v * w[j];
    }
    y += noise * rng.nextGaussian();
    return Sample.newBuilder().setModelId(id).setFeatures(x).setLabel((float) y).build();
  }

  /**
   * Request {@code i} for the models in turn, with features drawn like the samples' from {@code
   * rng}; its true output is {@link #trueOutput} (noise-free).
   */
  public PredictionRequest request(long i, SplittableRandom rng) {
    String id = modelIds.get((int) (i % modelIds.size()));
    List<Float> x = new ArrayList<>(features);
    for (int j = 0; j < features; j++) {
      x.add((rng.nextFloat() - 0.5f) * 5f);
    }
    return PredictionRequest.newBuilder()
        .setModelId(id)
        .setRequestId("req-" + i)
        .setFeatures(x)
        .build();
  }

  /** The true function's value (no noise) for {@code r}'s model and features. */
  public float trueOutput(PredictionRequest r) {
    float[] w = trueWeights.get(r.getModelId());
    double y = 0;
    for (int j = 0; j < features; j++) {
      y += r.getFeatures().get(j) * w[j];
    }
    return (float) y;
  }

  public Map<String, float[]> trueWeights() {
    return trueWeights;
  }
}
