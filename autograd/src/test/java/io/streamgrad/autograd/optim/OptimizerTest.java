package io.streamgrad.autograd.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamgrad.autograd.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Optimizers against torch.optim 2.13 (single-tensor implementations): 7 steps over a fixed
 * gradient sequence {@code g_i = sin(0.7 i + 1.3 step) (1 + 0.1 i)} from p = [0.5, -1, 2, 0.25,
 * -0.75].
 */
class OptimizerTest {

  private static final float[] START = {0.5f, -1f, 2f, 0.25f, -0.75f};

  static Tensor gradient(int step, int n) {
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) (Math.sin(0.7 * i + 1.3 * step) * (1 + 0.1 * i));
    }
    return Tensor.of(g);
  }

  static Stream<Arguments> configurations() {
    return Stream.of(
        Arguments.of(
            "sgd",
            (Function<List<Tensor>, Optimizer>) p -> new Sgd(p, 0.1f),
            new float[] {0.387849808f, -1.17823935f, 1.83714402f, 0.19076845f, -0.657576799f}),
        Arguments.of(
            "sgd momentum",
            (Function<List<Tensor>, Optimizer>) p -> new Sgd(p, 0.1f, 0.9f, 0f, 0f, false),
            new float[] {0.17262499f, -1.53366065f, 1.50230551f, 0.0559314378f, -0.489055723f}),
        Arguments.of(
            "sgd dampening",
            (Function<List<Tensor>, Optimizer>) p -> new Sgd(p, 0.1f, 0.9f, 0.3f, 0f, false),
            new float[] {0.270837545f, -1.48447239f, 1.46653354f, -0.061480213f, -0.640739977f}),
        Arguments.of(
            "sgd nesterov + weight decay",
            (Function<List<Tensor>, Optimizer>) p -> new Sgd(p, 0.1f, 0.9f, 0f, 0.01f, true),
            new float[] {0.0839409158f, -1.6235683f, 1.34109414f, 0.012009426f, -0.405604213f}),
        Arguments.of(
            "adam",
            (Function<List<Tensor>, Optimizer>) p -> new Adam(p, 0.05f),
            new float[] {0.406665564f, -1.15363681f, 1.87723732f, 0.186448336f, -0.733978808f}),
        Arguments.of(
            "adam betas eps weight decay",
            (Function<List<Tensor>, Optimizer>) p -> new Adam(p, 0.05f, 0.8f, 0.99f, 1e-6f, 0.1f),
            new float[] {0.350874424f, -1.10890782f, 1.83827055f, 0.185648426f, -0.717192829f}),
        Arguments.of(
            "adagrad",
            (Function<List<Tensor>, Optimizer>) p -> new AdaGrad(p, 0.1f),
            new float[] {0.395496368f, -1.16460276f, 1.88658261f, 0.203999773f, -0.744229376f}),
        Arguments.of(
            "adagrad all options",
            (Function<List<Tensor>, Optimizer>)
                p -> new AdaGrad(p, 0.1f, 0.01f, 0.05f, 0.1f, 1e-8f),
            new float[] {0.38877213f, -1.13517368f, 1.86548412f, 0.20302704f, -0.720790088f}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void matchesPyTorch(String name, Function<List<Tensor>, Optimizer> make, float[] expected) {
    Tensor p = Tensor.of(START).requiresGrad(true);
    Optimizer opt = make.apply(List.of(p));
    for (int s = 0; s < 7; s++) {
      p.setGrad(gradient(s, 5));
      opt.step();
    }
    assertArrayEquals(expected, p.toArray(), 2e-6f, name);
    assertEquals(7, opt.stepCount());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void restoredStateContinuesBitForBit(
      String name, Function<List<Tensor>, Optimizer> make, float[] unused) {
    Tensor p = Tensor.of(START).requiresGrad(true);
    Optimizer uninterrupted = make.apply(List.of(p));
    Tensor q = Tensor.of(START).requiresGrad(true);
    Optimizer first = make.apply(List.of(q));
    for (int s = 0; s < 7; s++) {
      p.setGrad(gradient(s, 5));
      uninterrupted.step();
    }
    for (int s = 0; s < 4; s++) {
      q.setGrad(gradient(s, 5));
      first.step();
    }
    OptimizerState saved = first.state();
    // A fresh process: new parameter tensor from the saved values, new optimizer, restored state.
    Tensor r = Tensor.of(q.toArray()).requiresGrad(true);
    Optimizer second = make.apply(List.of(r));
    second.loadState(saved);
    for (int s = 4; s < 7; s++) {
      r.setGrad(gradient(s, 5));
      second.step();
    }
    assertArrayEquals(p.toArray(), r.toArray(), 0f, name);
    assertEquals(uninterrupted.state().slotNames(), saved.slotNames());
  }

  @Test
  void zeroGradZeroesInPlaceOrClears() {
    Tensor p = Tensor.of(1f, 2f).requiresGrad(true);
    Optimizer opt = new Sgd(List.of(p), 0.1f);
    p.mul(p).sum().backward();
    Tensor g = p.grad();
    opt.zeroGrad();
    assertEquals(g, p.grad(), "the same buffer, reused");
    assertArrayEquals(new float[] {0f, 0f}, p.grad().toArray());
    opt.zeroGrad(true);
    assertEquals(null, p.grad());
  }

  @Test
  void rejectsInvalidHyperParameters() {
    List<Tensor> ps = List.of(Tensor.ones(2).requiresGrad(true));
    assertEquals(
        "Invalid learning rate: -1.0",
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, -1f)).getMessage());
    assertEquals(
        "Nesterov momentum requires a momentum and zero dampening",
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 1f, 0f, 0f, 0f, true))
            .getMessage());
    assertEquals(
        "Invalid beta parameter at index 0: 1.0",
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 1f, 1f, 0.9f, 1e-8f, 0f))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(Tensor.ones(2)), 0.1f));
    Optimizer adam = new Adam(ps, 0.1f);
    assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1f).loadState(adam.state()));
  }
}
