package io.streamgrad.online.train;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Optimizer;
import java.util.List;

/**
 * The guarded step's checks and rollback: a step whose loss, gradient or updated parameters are not
 * finite leaves the model as it was. Before the update it copies what the update may change (dense
 * parameters and their optimizer slots, the rows of the sparse tables the step touches), into
 * buffers reused by every step.
 */
final class DivergenceGuard {
  private final List<Tensor> params;
  private final DenseParameters dense;
  private final SparseTables tables;
  private final Optimizer optimizer;
  private final float[] values;
  private long stepCount;
  private float[] slots; // reused: a step allocates no backup

  DivergenceGuard(
      List<Tensor> params, DenseParameters dense, SparseTables tables, Optimizer optimizer) {
    this.params = params;
    this.dense = dense;
    this.tables = tables;
    this.optimizer = optimizer;
    this.values = new float[dense.total()];
  }

  /** The global L2 norm of every gradient (dense and sparse). */
  double gradNorm() {
    double sq = 0;
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (Tensor p : params) {
        Tensor g = p.grad();
        if (g != null) {
          double norm = g.norm().item();
          sq += norm * norm;
        }
      }
    }
    return Math.sqrt(sq + tables.gradSquares());
  }

  /** Scales every gradient by {@code factor} ({@code clip_grad_norm_}). */
  void scaleGrads(float factor) {
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (Tensor p : params) {
        if (p.grad() != null) {
          p.grad().mulInPlace(factor);
        }
      }
    }
    tables.scaleGrads(factor);
  }

  /** Copies what the coming update may change. */
  void backUp() {
    dense.values(values);
    // Not state(), which would copy a sparse model's tables whole: the dense parameters' slots,
    // and the rows of the tables this step touches.
    stepCount = optimizer.stepCount();
    slots = dense.slots(slots);
    tables.backUp();
  }

  /** Whether the update left every parameter it changed finite. */
  boolean updateFinite() {
    return dense.finite() && tables.touchedFinite(); // a table's other rows did not change
  }

  /** Puts back what {@link #backUp} copied. */
  void rollBack() {
    dense.load(values);
    dense.loadSlots(slots);
    optimizer.setStepCount(stepCount);
    tables.restore();
  }

  /** Floats the guard keeps per model (its copy of the dense parameters). */
  int floats() {
    return values.length;
  }
}
