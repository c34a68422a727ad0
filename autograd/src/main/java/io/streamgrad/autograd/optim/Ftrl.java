package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import java.util.List;

/**
 * FTRL-Proximal (McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013,
 * Algorithm 1) with per-coordinate learning rates {@code alpha / (beta + sqrt(n))}, L1 and L2. Per
 * coordinate it keeps {@code z} and {@code n}; a weight is a function of them,
 *
 * <pre>
 *   w = 0                                                  if |z| <= l1
 *   w = -(z - sign(z) l1) / ((beta + sqrt(n)) / alpha + l2) otherwise
 * </pre>
 *
 * derived only when its coordinate is updated (the parameter holds the derived weights), so a step
 * costs O(coordinates touched). L1 makes most weights exactly zero. Weights start at zero whatever
 * the parameter held. Dense gradients update every coordinate; sparse ones only theirs. The
 * learning rate is {@code alpha}. Arithmetic in double, state in float.
 */
public final class Ftrl extends Optimizer {

  /** The paper's defaults for a CTR model: alpha 0.1, beta 1, l1 1, l2 1. */
  public static final float DEFAULT_ALPHA = 0.1f;

  private final float beta;
  private final float l1;
  private final float l2;
  private final Tensor[] z;
  private final Tensor[] n;

  public Ftrl(List<Tensor> params, float alpha, float beta, float l1, float l2) {
    super(params, alpha);
    checkNonNegative("beta value", beta);
    checkNonNegative("l1 value", l1);
    checkNonNegative("l2 value", l2);
    if (alpha == 0f) {
      throw new IllegalArgumentException("Invalid learning rate (alpha): 0.0");
    }
    this.beta = beta;
    this.l1 = l1;
    this.l2 = l2;
    this.z = zerosLikeParams();
    this.n = zerosLikeParams();
    try (Grad.Scope off = Grad.disabled()) {
      for (Tensor p : params) {
        p.zero(); // w is derived from z = n = 0
      }
    }
  }

  @Override
  public String name() {
    return "ftrl";
  }

  @Override
  public List<String> slotNames() {
    return List.of("z", "n");
  }

  @Override
  protected List<Tensor[]> buffers() {
    return List.of(z, n);
  }

  public float beta() {
    return beta;
  }

  public float l1() {
    return l1;
  }

  public float l2() {
    return l2;
  }

  @Override
  protected void update(int i, Tensor p, Tensor grad) {
    float[] w = p.storage();
    float[] g = grad.storage();
    float[] zi = z[i].storage();
    float[] ni = n[i].storage();
    for (int at = 0; at < w.length; at++) {
      coordinate(w, zi, ni, at, g[at]);
    }
    p.markModified();
  }

  @Override
  protected void updateSparse(int i, Tensor p, SparseGrad grad) {
    float[] w = p.storage();
    float[] g = grad.values();
    float[] zi = z[i].storage();
    float[] ni = n[i].storage();
    int width = grad.width();
    for (int k = 0; k < grad.size(); k++) {
      int base = grad.row(k) * width;
      for (int j = 0; j < width; j++) {
        coordinate(w, zi, ni, base + j, g[k * width + j]);
      }
    }
  }

  /** Algorithm 1's update of one coordinate from its gradient, then its weight re-derived. */
  private void coordinate(float[] w, float[] z, float[] n, int at, float gradient) {
    double g = gradient;
    double n0 = n[at];
    double n1 = n0 + g * g;
    double sigma = (Math.sqrt(n1) - Math.sqrt(n0)) / lr;
    float z1 = (float) (z[at] + g - sigma * w[at]);
    float nf = (float) n1;
    z[at] = z1;
    n[at] = nf;
    // From the stored floats, so the weight is a function of the state alone.
    w[at] = weight(z1, Math.sqrt(nf));
  }

  private float weight(double z, double sqrtN) {
    if (Math.abs(z) <= l1) {
      return 0f;
    }
    return (float) (-(z - Math.signum(z) * l1) / ((beta + sqrtN) / lr + l2));
  }
}
