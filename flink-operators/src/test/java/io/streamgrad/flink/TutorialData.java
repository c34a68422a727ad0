package io.streamgrad.flink;

import io.streamgrad.schemas.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tutorial's regression data, per model: {@code X = (rand - 0.5) * 5}, {@code Y = X w_true +
 * randn / 2}, each model with its own {@code w_true}. Samples of all models are interleaved.
 */
final class TutorialData {
  final List<Sample> samples = new ArrayList<>();
  final float[][] trueWeights;
  final String[] modelIds;

  TutorialData(int features, int models, int perModel, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    modelIds = new String[models];
    trueWeights = new float[models][features];
    for (int m = 0; m < models; m++) {
      modelIds[m] = "model-" + m;
      for (int j = 0; j < features; j++) {
        trueWeights[m][j] = (float) rng.nextGaussian();
      }
    }
    for (int i = 0; i < perModel; i++) {
      for (int m = 0; m < models; m++) {
        float[] x = new float[features];
        double y = 0;
        for (int j = 0; j < features; j++) {
          x[j] = (rng.nextFloat() - 0.5f) * 5f;
          y += x[j] * trueWeights[m][j];
        }
        y += rng.nextGaussian() / 2;
        samples.add(sample(modelIds[m], x, (float) y));
      }
    }
  }

  static Sample sample(String modelId, float[] x, float y) {
    List<Float> features = new ArrayList<>(x.length);
    for (float v : x) {
      features.add(v);
    }
    return Sample.newBuilder().setModelId(modelId).setFeatures(features).setLabel(y).build();
  }
}
