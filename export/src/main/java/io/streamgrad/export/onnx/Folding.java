package io.streamgrad.export.onnx;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Standardizer;
import java.util.Map;

/**
 * The online standardization folded into a model's first layer: {@code W'[i][j] = W[i][j] / std_i},
 * {@code b'_j = b_j - Σ_i W[i][j] mean_i / std_i}, so that {@code x W' + b'} is {@code ((x - mean)
 * / std) W + b} on raw features.
 */
final class Folding {
  private Folding() {}

  /** Replaces the first layer's weight and bias in {@code params} by their folded values. */
  static void fold(ModelSpec spec, Map<String, Tensor> params, Standardizer z) {
    String prefix =
        switch (spec.kind()) {
          case ModelSpec.MLP -> "layer0.";
          case ModelSpec.LINEAR,
              ModelSpec.LOGISTIC,
              ModelSpec.SPARSE_LINEAR,
              ModelSpec.SPARSE_LOGISTIC,
              ModelSpec.FM ->
              "";
          default ->
              throw new UnsupportedModelException(
                  "the standardization of a user's model ("
                      + spec.factoryClass()
                      + ") cannot be folded: export it as nodes");
        };
    Tensor w = params.get(prefix + "weight");
    Tensor b = params.get(prefix + "bias");
    int d = z.features();
    int width = w.numel() / d;
    float[] weights = w.toArray();
    float[] bias = b.toArray();
    double[] shift = new double[width];
    for (int i = 0; i < d; i++) {
      double std = z.std(i);
      double mean = z.mean(i);
      for (int j = 0; j < width; j++) {
        shift[j] += weights[i * width + j] * mean / std;
        weights[i * width + j] = (float) (weights[i * width + j] / std);
      }
    }
    for (int j = 0; j < width; j++) {
      bias[j] = (float) (bias[j] - shift[j]);
    }
    params.put(prefix + "weight", Tensor.wrap(weights, w.shape()));
    params.put(prefix + "bias", Tensor.wrap(bias, b.shape()));
  }
}
