package io.streamgrad.autograd;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Compares the engine's gradients with central finite differences ({@code
 * torch.autograd.gradcheck}), with tolerances suited to float32.
 *
 * <p>A non-scalar output is reduced to {@code L = sum(v * f(x))} with a fixed random {@code v},
 * summed in double precision; the analytical side is {@code backward(v)}. Each input element is
 * moved by {@code ±eps} and the difference quotient uses the perturbation float32 really applied.
 */
public final class GradCheck {

  /** Thrown when the numerical and analytical gradients disagree. */
  public static final class GradCheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GradCheckException(String message) {
      super(message);
    }
  }

  private final double eps;
  private final double atol;
  private final double rtol;

  private GradCheck(double eps, double atol, double rtol) {
    this.eps = eps;
    this.atol = atol;
    this.rtol = rtol;
  }

  /** Step 1e-3, absolute tolerance 1e-3, relative tolerance 1e-2. */
  public static GradCheck defaults() {
    return new GradCheck(1e-3, 1e-3, 1e-2);
  }

  public static GradCheck withTolerances(double eps, double atol, double rtol) {
    return new GradCheck(eps, atol, rtol);
  }

  /** {@link #defaults()}.{@link #verify}. */
  public static boolean check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return defaults().verify(f, inputs);
  }

  /**
   * Checks every element of every input that requires grad; returns true or throws {@link
   * GradCheckException} naming the first mismatch.
   */
  public boolean verify(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Tensor out = f.apply(inputs);
    if (!out.requiresGrad()) {
      throw new GradCheckException("gradcheck expects the output to require grad");
    }
    Tensor v = Tensor.rand(new SplittableRandom(42), out.shape).add(0.5f);
    for (Tensor in : inputs) {
      in.setGrad(null);
    }
    out.backward(v);
    for (int k = 0; k < inputs.length; k++) {
      Tensor in = inputs[k];
      if (!in.requiresGrad()) {
        continue;
      }
      float[] analytical =
          in.grad() != null
              ? in.grad().toArray()
              : in.sparseGrad() != null
                  ? in.sparseGrad().toDense().toArray()
                  : new float[in.numel()];
      for (int i = 0; i < in.numel(); i++) {
        float original = in.data[i];
        float plus = (float) (original + eps);
        float minus = (float) (original - eps);
        double lPlus = projected(f, inputs, in, i, plus, v);
        double lMinus = projected(f, inputs, in, i, minus, v);
        in.data[i] = original;
        double numerical = (lPlus - lMinus) / ((double) plus - (double) minus);
        if (Math.abs(numerical - analytical[i]) > atol + rtol * Math.abs(numerical)) {
          throw new GradCheckException(
              "Jacobian mismatch for output 0 with respect to input "
                  + k
                  + " at element "
                  + i
                  + " of shape "
                  + Arrays.toString(in.shape)
                  + ",\nnumerical:"
                  + numerical
                  + "\nanalytical:"
                  + analytical[i]);
        }
      }
    }
    return true;
  }

  private static double projected(
      Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor in, int i, float value, Tensor v) {
    in.data[i] = value;
    Tensor y;
    try (Grad.Scope off = Grad.disabled()) {
      y = f.apply(inputs);
    }
    double s = 0;
    for (int j = 0; j < y.data.length; j++) {
      s += (double) y.data[j] * v.data[j];
    }
    return s;
  }
}
