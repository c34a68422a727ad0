package io.streamgrad.benchmarks;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.kernels.BinaryOp;
import io.streamgrad.autograd.kernels.Kernels;
import java.util.SplittableRandom;

/**
 * One online-SGD step on a mini-batch of linear regression, the tutorial's loop, in two forms:
 * through the autograd engine, and hand-fused on the same kernels with no graph (the reference for
 * autodiff overhead). Shared by the JMH benchmark and its correctness test.
 */
public final class TrainStep {

  public final int batch;
  public final int features;
  public final float lr;
  final Kernels kernels;

  // Autograd form.
  public final Tensor x;
  public final Tensor y;
  public final Tensor w;
  public final Tensor b;

  // Hand-fused form: same start, preallocated buffers.
  private final float[] xData;
  private final float[] yData;
  public final float[] wFused;
  public final float[] bFused = new float[1];
  private final float[] residual;
  private final float[] gradW;

  public TrainStep(int batch, int features, long seed, Kernels kernels) {
    this.batch = batch;
    this.features = features;
    this.lr = 0.01f;
    this.kernels = kernels;
    SplittableRandom rng = new SplittableRandom(seed);
    Tensor wTrue = Tensor.randn(rng, features);
    this.x = Tensor.rand(rng, batch, features).sub(0.5f).mul(5f);
    this.y = x.matmul(wTrue).add(Tensor.randn(rng, batch).div(2f));
    float scale = 1f / (float) Math.sqrt(features); // keep lr stable at every width
    this.w = Tensor.rand(rng, features).mul(scale).requiresGrad(true);
    this.b = Tensor.scalar(0f).requiresGrad(true);
    this.xData = x.toArray();
    this.yData = y.toArray();
    this.wFused = w.toArray();
    this.residual = new float[batch];
    this.gradW = new float[features];
  }

  /** {@code pred = X w + b; loss = mse(pred, Y); loss.backward(); w -= lr w.grad; zero grads}. */
  public float autograd() {
    Tensor pred = x.matmul(w).add(b);
    Tensor loss = Losses.mse(pred, y);
    loss.backward();
    try (var off = Grad.disabled()) {
      w.subInPlace(w.grad().mul(lr));
      b.subInPlace(b.grad().mul(lr));
      w.grad().zero();
      b.grad().zero();
    }
    return loss.item();
  }

  /** The same step as {@code 2/B X^T (X w + b - Y)}, on the same kernels, allocation-free. */
  public float handFused() {
    Kernels k = kernels;
    float[] xd = xData;
    k.gemv(xd, batch, features, wFused, residual);
    k.binaryScalarRight(BinaryOp.ADD, residual, 0, bFused[0], residual, 0, batch);
    k.binary(BinaryOp.SUB, residual, 0, yData, 0, residual, 0, batch);
    float loss = k.dot(residual, 0, residual, 0, batch) / batch;
    float g = 2f / batch;
    k.gemvTransposed(xd, batch, features, residual, gradW, false);
    k.axpy(-lr * g, gradW, 0, wFused, 0, features);
    bFused[0] -= lr * g * k.sum(residual, 0, batch);
    return loss;
  }
}
