package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import java.util.List;

/** AdaGrad ({@code torch.optim.Adagrad}), dense or sparse gradients (only their rows change). */
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
  protected void updateSparse(int i, Tensor p, SparseGrad grad) {
    if (weightDecay != 0f) {
      throw new IllegalStateException(
          "weight_decay option is not compatible with sparse gradients");
    }
    grad.coalesce(); // the update is per row: duplicates summed first
    float clr = (float) (lr / (1 + (step - 1) * lrDecay));
    float[] w = p.storage();
    float[] sum = sums[i].storage();
    float[] g = grad.values();
    int width = grad.width();
    for (int k = 0; k < grad.size(); k++) {
      int base = grad.row(k) * width;
      for (int j = 0; j < width; j++) {
        int at = base + j;
        float gj = g[k * width + j];
        sum[at] += gj * gj;
        w[at] += -clr * (gj / ((float) Math.sqrt(sum[at]) + eps));
      }
    }
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
