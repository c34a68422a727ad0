package io.streamgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A batch prediction is the forward pass with the link, bit for bit, and builds no graph. */
class PredictorTest {
  static final int D = 6;

  static float[] gaussian(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return v;
  }

  @Test
  void aBatchIsTheForwardPassWithTheLinkAndEveryRowAlone() {
    SplittableRandom rng = new SplittableRandom(5);
    for (ModelFactory f : new ModelFactory[] {Models.logistic(), Models.mlp(5, 3)}) {
      ModelSpec spec = f.spec(D);
      Model model = spec.create();
      try (var off = Grad.disabled()) {
        for (Tensor p : model.parameters()) {
          p.copyFrom(Tensor.wrap(gaussian(rng, p.numel()), p.shape()));
        }
      }
      Predictor predictor = Predictor.of(spec, model);
      int n = 17;
      float[] x = gaussian(rng, n * D);
      float[] out = new float[n];
      predictor.predict(x, n, out);

      float[] expected;
      try (var off = Grad.disabled()) {
        expected = f.link().apply(model.forward(Tensor.wrap(x.clone(), n, D))).toArray();
      }
      assertArrayEquals(expected, out, 0f, spec.toString());
      for (int i = 0; i < n; i++) {
        float[] row = java.util.Arrays.copyOfRange(x, i * D, (i + 1) * D);
        float one = predictor.predict(row);
        // One row alone: the same model on a 1-row batch (summation order of one dot product).
        try (var off = Grad.disabled()) {
          assertEquals(f.link().apply(model.forward(Tensor.wrap(row, 1, D))).item(), one, 0f);
        }
      }
      if (f.link() == Link.LOGISTIC) {
        for (float p : out) {
          assertTrue(p > 0 && p < 1, "a probability: " + p);
        }
      }
    }
  }

  @Test
  void predictionBuildsNoGraphAndLeavesNoGradient() {
    Model model = Models.linear().spec(D).create();
    Predictor predictor = new Predictor(model, Link.IDENTITY, D);
    predictor.predict(new float[D]);
    for (Tensor p : model.parameters()) {
      assertEquals(null, p.grad());
    }
    assertTrue(Grad.isEnabled(), "the no-grad scope is closed again");
  }

  @Test
  void tooFewValuesAreRefused() {
    Predictor predictor = new Predictor(Models.linear().spec(D).create(), Link.IDENTITY, D);
    assertThrows(
        IllegalArgumentException.class, () -> predictor.predict(new float[D], 2, new float[2]));
  }
}
