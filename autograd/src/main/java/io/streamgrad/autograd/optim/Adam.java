package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.Tensor;
import java.util.List;

/** Adam ({@code torch.optim.Adam}, L2 weight decay added to the gradient, no amsgrad). */
public final class Adam extends Optimizer {

  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float weightDecay;
  private final Tensor[] expAvg;
  private final Tensor[] expAvgSq;
  private final Tensor[] scratch;
  private final Tensor[] decayed;

  public Adam(List<Tensor> params, float lr) {
    this(params, lr, 0.9f, 0.999f, 1e-8f, 0f);
  }

  public Adam(
      List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
    super(params, lr);
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
    return "adam";
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
