package io.streamgrad.autograd.examples;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;

/**
 * Replays the seed tutorial ("Gradient") cell by cell and prints what PyTorch prints. Random
 * tensors come from a seeded generator, so their values (not their format) differ from PyTorch's.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp autograd/target/classes
 * io.streamgrad.autograd.examples.GradientTutorial [seed]}
 */
public final class GradientTutorial {

  private GradientTutorial() {}

  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 42L;
    SplittableRandom rng = new SplittableRandom(seed);

    section("Example 1");
    int n = 5;
    Tensor w = Tensor.rand(rng, n).requiresGrad(true);
    Tensor y = w.mul(3f).sum();
    y.backward();
    System.out.println(w.grad());

    section("Example 2");
    w = Tensor.of(1, 2, 3, 4).requiresGrad(true);
    Tensor g = Tensor.of(5, 6, 7, 8).requiresGrad(true);
    y = w.matmul(g);
    y.backward();
    System.out.println("omega gradient value");
    System.out.println(w.grad());
    System.out.println("gamma gradient value");
    System.out.println(g.grad());

    section("Ignore gradients");
    w = Tensor.rand(rng, n).requiresGrad(true);
    for (int run = 0; run < 2; run++) { // the tutorial's notebook cell ran twice: grads accumulate
      y = w.sum();
      y.backward();
    }
    System.out.println(w.grad());
    try (var off = Grad.disabled()) {
      y = w.sum();
    }
    try {
      y.backward();
    } catch (RuntimeException e) {
      System.out.println(e.getMessage());
    }

    section("Non-leaf grad");
    Tensor a = Tensor.rand(rng, 3, 2).requiresGrad(true);
    Tensor b = Tensor.rand(rng, 2, 1).requiresGrad(true);
    Tensor temp = a.matmul(b);
    temp.sum().backward();
    System.out.println(temp.grad() == null ? "None" : temp.grad()); // PyTorch warns on the log
    System.out.println(a.grad());
    System.out.println(b.grad());
    temp = a.matmul(b);
    temp.retainGrad();
    temp.sum().backward();
    System.out.println(temp.grad());

    section("Gradient descent");
    int nFeatures = 2;
    int nObjects = 300;
    Tensor wTrue = Tensor.randn(rng, nFeatures);
    Tensor x = Tensor.rand(rng, nObjects, nFeatures).sub(0.5f).mul(5f);
    Tensor target = x.matmul(wTrue).add(Tensor.randn(rng, nObjects).div(2f));
    float stepSize = 1e-2f;
    w = Tensor.rand(rng, x.size(1)).requiresGrad(true);
    for (int i = 0; i < 5000; i++) {
      Tensor yPred = x.matmul(w);
      Tensor mse = yPred.sub(target).pow(2).mean();
      mse.backward();
      try (var off = Grad.disabled()) {
        w.subInPlace(w.grad().mul(stepSize));
        w.grad().zero();
      }
    }
    System.out.println("Real coefs: " + pyList(wTrue));
    System.out.println("Approximation coefs: " + pyList(w));
  }

  private static void section(String title) {
    System.out.println();
    System.out.println("# " + title);
  }

  /** {@code t.tolist()} as Python prints it: each float32 widened to double, shortest repr. */
  static String pyList(Tensor t) {
    StringBuilder sb = new StringBuilder("[");
    float[] v = t.toArray();
    for (int i = 0; i < v.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(pyRepr(v[i]));
    }
    return sb.append(']').toString();
  }

  /** Python's {@code repr(float)}: the shortest decimal that reads back as the same double. */
  static String pyRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(d);
    BigDecimal shortest = exact;
    for (int digits = 1; digits <= 17; digits++) {
      BigDecimal candidate = exact.round(new MathContext(digits));
      if (candidate.doubleValue() == d) {
        shortest = candidate;
        break;
      }
    }
    int exponent = shortest.precision() - shortest.scale() - 1;
    if (exponent < -4 || exponent >= 16) {
      String mantissa = shortest.movePointLeft(exponent).stripTrailingZeros().toPlainString();
      return mantissa
          + "e"
          + (exponent < 0 ? "-" : "+")
          + String.format("%02d", Math.abs(exponent));
    }
    String plain = shortest.stripTrailingZeros().toPlainString();
    return plain.contains(".") ? plain : plain + ".0";
  }
}
