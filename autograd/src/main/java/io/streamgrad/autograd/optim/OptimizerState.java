package io.streamgrad.autograd.optim;

import java.util.List;

/**
 * An optimizer's state as plain data: buffer {@code slots[s * numParams + i]} holds slot {@code
 * slotNames.get(s)} of parameter {@code i}.
 */
public final class OptimizerState {
  private final String optimizer;
  private final long step;
  private final List<String> slotNames;
  private final float[][] slots;

  public OptimizerState(String optimizer, long step, List<String> slotNames, float[][] slots) {
    this.optimizer = optimizer;
    this.step = step;
    this.slotNames = List.copyOf(slotNames);
    this.slots = slots;
  }

  public String optimizer() {
    return optimizer;
  }

  public long step() {
    return step;
  }

  public List<String> slotNames() {
    return slotNames;
  }

  public float[][] slots() {
    return slots;
  }
}
