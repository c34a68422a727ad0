package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import java.util.List;

/**
 * Adam ({@code torch.optim.Adam}, L2 weight decay added to the gradient, no amsgrad). {@link #lazy}
 * also takes sparse gradients and updates only the rows they hold, with {@code
 * torch.optim.SparseAdam}'s arithmetic (lazy Adam: a row's moments decay only when it is touched),
 * while dense gradients keep Adam's update: what PyTorch users build from two optimizers.
 */
public final class Adam extends Optimizer {

  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float weightDecay;
  private final Tensor[] expAvg;
  private final Tensor[] expAvgSq;
  private final Tensor[] scratch;
  private final Tensor[] decayed;
  private final boolean lazy;

  public Adam(List<Tensor> params, float lr) {
    this(params, lr, 0.9f, 0.999f, 1e-8f, 0f);
  }

  public Adam(
      List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
    this(params, lr, beta1, beta2, eps, weightDecay, false);
  }

  /** Adam that also takes sparse gradients, updating only their rows (SparseAdam's rule). */
  public static Adam lazy(List<Tensor> params, float lr, float beta1, float beta2, float eps) {
    return new Adam(params, lr, beta1, beta2, eps, 0f, true);
  }

  private Adam(
      List<Tensor> params,
      float lr,
      float beta1,
      float beta2,
      float eps,
      float weightDecay,
      boolean lazy) {
    super(params, lr);
    this.lazy = lazy;
    if (!(beta1 >= 0f && beta1 < 1f)) {
      throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1);
    }
    if (!(beta2 >= 0f && beta2 < 1f)) {
      throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2);
    }
    checkNonNegative("epsilon value", eps);
    checkNonNegative("weight_decay value", weightDecay);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.expAvg = zerosLikeParams();
    this.expAvgSq = zerosLikeParams();
    this.scratch = zerosLikeParams();
    this.decayed = weightDecay != 0f ? zerosLikeParams() : null;
  }

  @Override
  public String name() {
    return lazy ? "lazy_adam" : "adam";
  }

  @Override
  protected String sparseRefusal() {
    return "Adam does not support sparse gradients, please consider SparseAdam instead";
  }

  @Override
  protected void updateSparse(int i, Tensor p, SparseGrad grad) {
    if (!lazy) {
      super.updateSparse(i, p, grad);
    }
    grad.coalesce(); // the update is per row: duplicates summed first
    float[] w = p.storage();
    float[] m = expAvg[i].storage();
    float[] v = expAvgSq[i].storage();
    float[] g = grad.values();
    int width = grad.width();
    double biasCorrection1 = 1 - Math.pow(beta1, step);
    double biasCorrection2 = 1 - Math.pow(beta2, step);
    float stepSize = (float) -(lr * Math.sqrt(biasCorrection2) / biasCorrection1);
    float keep1 = 1f - beta1;
    float keep2 = 1f - beta2;
    for (int k = 0; k < grad.size(); k++) {
      int base = grad.row(k) * width;
      for (int j = 0; j < width; j++) {
        int at = base + j;
        float gj = g[k * width + j];
        // SparseAdam's order of operations, for identical floats.
        float oldM = m[at];
        float oldV = v[at];
        float mUpdate = (gj - oldM) * keep1;
        m[at] = oldM + mUpdate;
        float vUpdate = (gj * gj - oldV) * keep2;
        v[at] = oldV + vUpdate;
        float numer = mUpdate + oldM;
        float denom = (float) Math.sqrt(vUpdate + oldV) + eps;
        w[at] += stepSize * (numer / denom);
      }
    }
  }

  @Override
  public List<String> slotNames() {
    return List.of("exp_avg", "exp_avg_sq");
  }

  @Override
  protected List<Tensor[]> buffers() {
    return List.of(expAvg, expAvgSq);
  }

  @Override
  protected void update(int i, Tensor p, Tensor grad) {
    Tensor g = weightDecay != 0f ? decayed[i].copyFrom(grad).addInPlace(weightDecay, p) : grad;
    Tensor m = expAvg[i].mulInPlace(beta1).addInPlace(1f - beta1, g);
    Tensor v = expAvgSq[i].mulInPlace(beta2).addcmulInPlace(1f - beta2, g, g);
    double biasCorrection1 = 1 - Math.pow(beta1, step);
    double biasCorrection2 = 1 - Math.pow(beta2, step);
    float stepSize = (float) (lr / biasCorrection1);
    Tensor denom =
        scratch[i]
            .copyFrom(v)
            .sqrtInPlace()
            .divInPlace((float) Math.sqrt(biasCorrection2))
            .addInPlace(eps);
    p.addcdivInPlace(-stepSize, m, denom);
  }
}
