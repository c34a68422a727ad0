package io.streamgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Finite differences against the engine, for every differentiable op and broadcast pattern. */
class GradCheckTest {

  private static final SplittableRandom RNG = new SplittableRandom(11);

  /** Values in [lo, hi), away from kinks and poles. */
  static Tensor input(float lo, float hi, int... shape) {
    return Tensor.rand(RNG, shape).mul(hi - lo).add(lo).detach().requiresGrad(true);
  }

  /** Values with |x| in [0.5, 1.5] and random signs: safe for abs and relu kinks. */
  static Tensor signed(int... shape) {
    Tensor t = input(0.5f, 1.5f, shape);
    try (var off = Grad.disabled()) {
      for (int i = 0; i < t.numel(); i++) {
        if (RNG.nextBoolean()) {
          t.data[i] = -t.data[i];
        }
      }
    }
    return t;
  }

  static Stream<Arguments> unaryOps() {
    return Stream.of(
        Arguments.of("neg", (Function<Tensor, Tensor>) Tensor::neg, signed(3, 4)),
        Arguments.of("exp", (Function<Tensor, Tensor>) Tensor::exp, signed(3, 4)),
        Arguments.of("log", (Function<Tensor, Tensor>) Tensor::log, input(0.5f, 3f, 5)),
        Arguments.of("sqrt", (Function<Tensor, Tensor>) Tensor::sqrt, input(0.5f, 3f, 2, 3)),
        Arguments.of("abs", (Function<Tensor, Tensor>) Tensor::abs, signed(7)),
        Arguments.of("sigmoid", (Function<Tensor, Tensor>) Tensor::sigmoid, signed(2, 5)),
        Arguments.of("tanh", (Function<Tensor, Tensor>) Tensor::tanh, signed(9)),
        Arguments.of("relu", (Function<Tensor, Tensor>) Tensor::relu, signed(4, 3)),
        Arguments.of("pow2", (Function<Tensor, Tensor>) t -> t.pow(2f), signed(6)),
        Arguments.of("pow3", (Function<Tensor, Tensor>) t -> t.pow(3f), signed(6)),
        Arguments.of("pow-0.5", (Function<Tensor, Tensor>) t -> t.pow(-0.5f), input(0.5f, 2f, 6)),
        Arguments.of("pow0", (Function<Tensor, Tensor>) t -> t.pow(0f).mul(t), signed(3)),
        Arguments.of("add s", (Function<Tensor, Tensor>) t -> t.add(2.5f), signed(3)),
        Arguments.of("sub s", (Function<Tensor, Tensor>) t -> t.sub(2.5f), signed(3)),
        Arguments.of("mul s", (Function<Tensor, Tensor>) t -> t.mul(-1.5f), signed(3)),
        Arguments.of("div s", (Function<Tensor, Tensor>) t -> t.div(4f), signed(3)),
        Arguments.of("sum", (Function<Tensor, Tensor>) Tensor::sum, signed(3, 4)),
        Arguments.of("mean", (Function<Tensor, Tensor>) Tensor::mean, signed(3, 4)),
        Arguments.of("sum0", (Function<Tensor, Tensor>) t -> t.sum(0, false), signed(3, 4)),
        Arguments.of("sum1k", (Function<Tensor, Tensor>) t -> t.sum(1, true), signed(3, 4)),
        Arguments.of("sum-1 3d", (Function<Tensor, Tensor>) t -> t.sum(-1, false), signed(2, 3, 4)),
        Arguments.of("sum1 3d", (Function<Tensor, Tensor>) t -> t.sum(1, false), signed(2, 3, 4)),
        Arguments.of("mean0k", (Function<Tensor, Tensor>) t -> t.mean(0, true), signed(3, 4)),
        Arguments.of("mean1", (Function<Tensor, Tensor>) t -> t.mean(1, false), signed(3, 4)),
        Arguments.of(
            "transpose",
            (Function<Tensor, Tensor>) t -> t.transpose().mul(t.transpose()),
            signed(3, 4)),
        Arguments.of(
            "reshape", (Function<Tensor, Tensor>) t -> t.reshape(4, -1).exp(), signed(2, 6)),
        Arguments.of("copy", (Function<Tensor, Tensor>) t -> t.copy().mul(t), signed(5)),
        Arguments.of("norm", (Function<Tensor, Tensor>) Tensor::norm, signed(3, 4)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unaryOps")
  void unaryAndReductionOps(String name, Function<Tensor, Tensor> op, Tensor x) {
    assertTrue(GradCheck.check(in -> op.apply(in[0]), x));
  }

  static Stream<Arguments> broadcastShapes() {
    return Stream.of(
        Arguments.of(new int[] {3, 4}, new int[] {3, 4}),
        Arguments.of(new int[] {3, 4}, new int[] {4}),
        Arguments.of(new int[] {4}, new int[] {3, 4}),
        Arguments.of(new int[] {3, 1}, new int[] {3, 4}),
        Arguments.of(new int[] {3, 4}, new int[] {3, 1}),
        Arguments.of(new int[] {3, 1}, new int[] {1, 4}),
        Arguments.of(new int[] {}, new int[] {2, 3}),
        Arguments.of(new int[] {2, 3}, new int[] {}),
        Arguments.of(new int[] {2, 1, 4}, new int[] {3, 1}),
        Arguments.of(new int[] {1}, new int[] {5}));
  }

  @ParameterizedTest(name = "{0} op {1}")
  @MethodSource("broadcastShapes")
  void binaryOpsBroadcastBothWays(int[] aShape, int[] bShape) {
    Tensor a = signed(aShape);
    Tensor b = signed(bShape);
    assertTrue(GradCheck.check(in -> in[0].add(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].sub(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].div(in[1]), a, b));
  }

  static Stream<Arguments> matmulShapes() {
    return Stream.of(
        Arguments.of(new int[] {5}, new int[] {5}),
        Arguments.of(new int[] {3, 5}, new int[] {5}),
        Arguments.of(new int[] {5}, new int[] {5, 3}),
        Arguments.of(new int[] {3, 5}, new int[] {5, 2}),
        Arguments.of(new int[] {1, 7}, new int[] {7, 1}),
        Arguments.of(new int[] {17, 9}, new int[] {9}),
        Arguments.of(new int[] {9, 17}, new int[] {17, 11}));
  }

  @ParameterizedTest(name = "{0} @ {1}")
  @MethodSource("matmulShapes")
  void matmulEveryShapePair(int[] aShape, int[] bShape) {
    Tensor a = signed(aShape);
    Tensor b = signed(bShape);
    assertTrue(GradCheck.check(in -> in[0].matmul(in[1]), a, b));
    // Only one side requiring grad exercises the skipped branches.
    Tensor constant = b.detach();
    assertTrue(GradCheck.check(in -> in[0].matmul(constant), a));
  }

  /**
   * Shapes wide enough (over two 512-bit vectors) to run the Vector API paths through the engine.
   */
  @Test
  void wideShapesCrossTheVectorPaths() {
    GradCheck loose = GradCheck.withTolerances(1e-3, 3e-3, 2e-2);
    assertTrue(loose.verify(in -> in[0].matmul(in[1]), signed(37, 45), signed(45)));
    assertTrue(loose.verify(in -> in[0].matmul(in[1]), signed(45), signed(45, 37)));
    assertTrue(loose.verify(in -> in[0].matmul(in[1]), signed(9, 40), signed(40, 35)));
    assertTrue(loose.verify(in -> in[0].add(in[1]).mul(in[1]), signed(6, 50), signed(50)));
    assertTrue(loose.verify(in -> in[0].div(in[1]).sum(0, false), signed(5, 70), signed(5, 1)));
    for (Function<Tensor, Tensor> op :
        List.<Function<Tensor, Tensor>>of(
            Tensor::exp, Tensor::tanh, Tensor::sigmoid, Tensor::relu, Tensor::neg)) {
      assertTrue(loose.verify(in -> op.apply(in[0]), signed(100)));
    }
    assertTrue(loose.verify(in -> in[0].abs().log().sqrt(), signed(70)));
    assertTrue(loose.verify(in -> Losses.mse(in[0], in[1]), signed(100), signed(100)));
  }

  @Test
  void dot() {
    assertTrue(GradCheck.check(in -> in[0].dot(in[1]), signed(6), signed(6)));
  }

  @Test
  void losses() {
    Tensor pred = signed(4, 3);
    Tensor target = signed(4, 3);
    assertTrue(GradCheck.check(in -> Losses.mse(in[0], in[1]), pred, target));
    assertTrue(GradCheck.check(in -> Losses.mse(in[0], in[1]), signed(4, 3), signed(3)));
    assertTrue(GradCheck.check(in -> Losses.huber(in[0], in[1], 0.7f), pred, target));
    Tensor labels = Tensor.rand(RNG, 4, 3).detach().requiresGrad(true);
    assertTrue(GradCheck.check(in -> Losses.bceWithLogits(in[0], in[1]), signed(4, 3), labels));
    Tensor weights = input(0.1f, 2f, 4, 3);
    assertTrue(
        GradCheck.check(
            in -> Losses.mse(in[0], in[1], in[2]), signed(4, 3), signed(4, 3), weights));
    assertTrue(
        GradCheck.check(
            in -> Losses.huber(in[0], in[1], 0.7f, in[2]), signed(4, 3), signed(4, 3), weights));
    assertTrue(
        GradCheck.check(
            in -> Losses.bceWithLogits(in[0], in[1], in[2]), signed(4, 3), labels, weights));
  }

  @Test
  void composedModelLikeTheOperatorsWillUse() {
    Tensor x = signed(8, 5).detach();
    Tensor y = signed(8).detach();
    Tensor w1 = signed(5, 4);
    Tensor b1 = signed(4);
    Tensor w2 = signed(4);
    Tensor b2 = signed();
    assertTrue(
        GradCheck.check(
            in -> Losses.mse(x.matmul(in[0]).add(in[1]).tanh().matmul(in[2]).add(in[3]), y),
            w1,
            b1,
            w2,
            b2));
  }

  @Test
  void inPlaceOpsOnNonLeaves() {
    Tensor a = signed(4);
    Tensor b = signed(4);
    assertTrue(GradCheck.check(in -> in[0].mul(1f).addInPlace(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(1f).subInPlace(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(1f).mulInPlace(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(1f).divInPlace(in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(1f).addInPlace(0.5f, in[1]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(1f).addcmulInPlace(2f, in[1], in[0]), a, b));
    assertTrue(GradCheck.check(in -> in[0].mul(1f).addcdivInPlace(2f, in[1], in[0]), a, b));
    assertTrue(GradCheck.check(in -> in[0].abs().sqrtInPlace(), a));
  }

  @Test
  void detectsAWrongGradient() {
    // A function whose recorded graph differs from its value: the check must fail.
    Tensor a = signed(3);
    assertThrows(
        GradCheck.GradCheckException.class,
        () -> GradCheck.check(in -> Grad.isEnabled() ? in[0].mul(2f) : in[0].mul(3f), a));
  }
}
