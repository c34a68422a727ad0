package io.streamgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The built-in models as modules: named parameters, state dicts, forward passes, links. */
class ModelsTest {

  private static final Tensor X = Tensor.of(new float[][] {{1f, -2f, 0.5f}, {0.25f, 3f, -1f}});

  private static Tensor randomLike(Tensor t, SplittableRandom rng) {
    return Tensor.randn(rng, t.shape());
  }

  @Test
  void linearAndLogisticAreXwPlusBWithTheirLinks() {
    for (ModelFactory f : List.of(Models.linear(), Models.logistic())) {
      Model m = f.create(3, new SplittableRandom(1));
      assertEquals(List.of("weight", "bias"), m.parameterNames());
      assertArrayEquals(new int[] {3}, m.parameters().get(0).shape());
      assertArrayEquals(new int[] {}, m.parameters().get(1).shape());
      Map<String, Tensor> state = new LinkedHashMap<>();
      state.put("weight", Tensor.of(0.5f, -1f, 2f));
      state.put("bias", Tensor.scalar(0.25f));
      m.loadStateDict(state);
      float[] y = m.forward(X).toArray();
      assertArrayEquals(new float[] {0.5f + 2f + 1f + 0.25f, 0.125f - 3f - 2f + 0.25f}, y, 1e-6f);
      float[] linked = f.link().apply(m.forward(X)).toArray();
      for (int i = 0; i < y.length; i++) {
        float expected = f.name().equals("logistic") ? (float) (1 / (1 + Math.exp(-y[i]))) : y[i];
        assertEquals(expected, linked[i], 1e-6f, f.name());
        assertEquals(expected, f.link().apply(y[i]), 1e-6f, f.name());
      }
    }
    assertEquals(Link.LOGISTIC, Models.logistic().link());
    assertEquals(Link.IDENTITY, Models.linear().link());
  }

  @Test
  void anMlpDrawsItsInitialValuesInTheSameOrderAsBefore() {
    // layer0.weight [3, 4], layer0.bias [4], out.weight [4], out.bias []: one generator, in that
    // order.
    Model m = Models.mlp(4).create(3, new SplittableRandom(7));
    assertEquals(
        List.of("layer0.weight", "layer0.bias", "out.weight", "out.bias"), m.parameterNames());
    SplittableRandom rng = new SplittableRandom(7);
    int[][] shapes = {{3, 4}, {4}, {4}, {}};
    int[] fanIn = {3, 3, 4, 4};
    for (int i = 0; i < shapes.length; i++) {
      float bound = (float) (1.0 / Math.sqrt(fanIn[i]));
      Tensor expected = Tensor.rand(rng, shapes[i]).mul(2f * bound).sub(bound);
      assertArrayEquals(
          expected.toArray(), m.parameters().get(i).toArray(), m.parameterNames().get(i));
      assertArrayEquals(shapes[i], m.parameters().get(i).shape());
    }
  }

  @Test
  void anMlpForwardIsItsLayersInTurn() {
    Model m =
        Models.mlp(4, 2).activation(Models.Activation.RELU).create(3, new SplittableRandom(3));
    List<Tensor> p = m.parameters();
    Tensor h = X.matmul(p.get(0)).add(p.get(1)).relu();
    h = h.matmul(p.get(2)).add(p.get(3)).relu();
    Tensor expected = h.matmul(p.get(4)).add(p.get(5));
    try (var off = Grad.disabled()) {
      assertArrayEquals(expected.toArray(), m.forward(X).toArray());
    }
  }

  @Test
  void aStateDictLoadsIntoAFreshModelExactly() {
    Model trained = Models.mlp(5).create(3, new SplittableRandom(11));
    SplittableRandom rng = new SplittableRandom(12);
    try (var off = Grad.disabled()) {
      trained.parameters().forEach(t -> t.copyFrom(randomLike(t, rng)));
    }
    Model fresh = Models.mlp(5).create(3, new SplittableRandom(99));
    Map<String, Tensor> copy = new LinkedHashMap<>();
    trained.stateDict().forEach((k, v) -> copy.put(k, v.copy()));
    fresh.loadStateDict(copy);
    assertArrayEquals(trained.forward(X).toArray(), fresh.forward(X).toArray(), "bit for bit");
    assertEquals(trained.parameterNames(), List.copyOf(trained.stateDict().keySet()));
  }

  @Test
  void aStateDictThatDoesNotFitIsRefusedInPyTorchsWordsAndChangesNothing() {
    Model m = Models.linear().create(3, new SplittableRandom(1));
    float[] before = m.parameters().get(0).toArray();
    Map<String, Tensor> bad = new LinkedHashMap<>();
    bad.put("weight", Tensor.of(1f, 2f, 3f, 4f));
    bad.put("scale", Tensor.scalar(1f));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(bad));
    assertEquals(
        "Error(s) in loading state_dict: Missing key(s) in state_dict: \"bias\". Unexpected key(s) in state_dict: \"scale\"."
            + " size mismatch for weight: copying a param with shape [4] from checkpoint, the shape in current model is [3].",
        e.getMessage());
    assertArrayEquals(before, m.parameters().get(0).toArray());
  }
}
