package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.Tensor;
import java.util.List;

/** AdaGrad ({@code torch.optim.Adagrad}). */
public final class AdaGrad extends Optimizer {

  private final float lrDecay;
  private final float weightDecay;
  private final float eps;
  private final Tensor[] sums;
  private final Tensor[] scratch;
  private final Tensor[] decayed;

  public AdaGrad(List<Tensor> params, float lr) {
    this(params, lr, 0f, 0f, 0f, 1e-10f);
  }

  public AdaGrad(
      List<Tensor> params,
      float lr,
      float lrDecay,
      float weightDecay,
      float initialAccumulatorValue,
      float eps) {
    super(params, lr);
    checkNonNegative("lr_decay value", lrDecay);
    checkNonNegative("weight_decay value", weightDecay);
    checkNonNegative("initial_accumulator_value value", initialAccumulatorValue);
    checkNonNegative("epsilon value", eps);
    this.lrDecay = lrDecay;
    this.weightDecay = weightDecay;
    this.eps = eps;
    this.sums = zerosLikeParams();
    for (Tensor s : sums) {
      s.fill(initialAccumulatorValue);
    }
    this.scratch = zerosLikeParams();
    this.decayed = weightDecay != 0f ? zerosLikeParams() : null;
  }

  @Override
  public String name() {
    return "adagrad";
  }

  @Override
  public List<String> slotNames() {
    return List.of("sum");
  }

  @Override
  protected List<Tensor[]> buffers() {
    return List.<Tensor[]>of(sums);
  }

  @Override
  protected void update(int i, Tensor p, Tensor grad) {
    Tensor g = weightDecay != 0f ? decayed[i].copyFrom(grad).addInPlace(weightDecay, p) : grad;
    float clr = (float) (lr / (1 + (step - 1) * lrDecay));
    sums[i].addcmulInPlace(1f, g, g);
    Tensor std = scratch[i].copyFrom(sums[i]).sqrtInPlace().addInPlace(eps);
    p.addcdivInPlace(-clr, g, std);
  }
}
