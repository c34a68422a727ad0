package io.streamgrad.nn;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A differentiable model written with the engine, like a {@code torch.nn.Module}: named parameters
 * (leaf tensors that require grad) and a forward pass from a batch {@code X [B, d]} to predictions
 * {@code [B]}. The trainer computes the loss, calls {@code backward()} and steps the optimizer; a
 * model never writes a gradient formula by hand. The same forward pass serves predictions: load a
 * snapshot's parameters with {@link #loadStateDict} and call it under {@link Grad#disabled()}.
 */
public interface Model {

  /** Parameter names, in {@link #parameters()} order, e.g. {@code weight}, {@code bias}. */
  List<String> parameterNames();

  /** The trainable tensors; their values are restored from and saved to Flink state. */
  List<Tensor> parameters();

  /**
   * The parameters looked up sparsely ({@code [rows, width]} tables with sparse gradients, among
   * {@link #parameters()}): a trainer checkpoints and publishes them by the rows a step touched,
   * never whole. None by default.
   */
  default List<Tensor> sparseTables() {
    return List.of();
  }

  /** Predictions {@code [B]} (or logits, for classification losses) for {@code x [B, d]}. */
  Tensor forward(Tensor x);

  /**
   * Predictions for a batch with a dense part {@code x [B, d]} and a sparse part (row {@code b} of
   * {@code sparse} belongs to sample {@code b}). A model without sparse inputs refuses a non-empty
   * sparse part.
   */
  default Tensor forward(Tensor x, SparseBatch sparse) {
    if (sparse != null && sparse.nnz() > 0) {
      throw new IllegalArgumentException("this model takes no sparse features");
    }
    return forward(x);
  }

  /**
   * The parameters by name, in order, as {@code state_dict()} gives them: detached views that share
   * storage with the parameters (copy them to keep a snapshot).
   */
  default Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    List<String> names = parameterNames();
    List<Tensor> params = parameters();
    for (int i = 0; i < names.size(); i++) {
      out.put(names.get(i), params.get(i).detach());
    }
    return out;
  }

  /**
   * Copies {@code state}'s values into the parameters, as {@code load_state_dict(strict=True)}
   * does: every name must be there with the parameter's shape, and nothing else.
   *
   * @throws IllegalArgumentException listing the missing and unexpected keys and the size
   *     mismatches, in PyTorch's words; no parameter is changed then
   */
  default void loadStateDict(Map<String, Tensor> state) {
    List<String> names = parameterNames();
    List<Tensor> params = parameters();
    List<String> errors = new ArrayList<>();
    Set<String> missing = new LinkedHashSet<>(names);
    missing.removeAll(state.keySet());
    Set<String> unexpected = new LinkedHashSet<>(state.keySet());
    unexpected.removeAll(names);
    if (!missing.isEmpty()) {
      errors.add("Missing key(s) in state_dict: " + quoted(missing) + ".");
    }
    if (!unexpected.isEmpty()) {
      errors.add("Unexpected key(s) in state_dict: " + quoted(unexpected) + ".");
    }
    for (int i = 0; i < names.size(); i++) {
      Tensor given = state.get(names.get(i));
      if (given != null && !Arrays.equals(given.shape(), params.get(i).shape())) {
        errors.add(
            "size mismatch for "
                + names.get(i)
                + ": copying a param with shape "
                + Arrays.toString(given.shape())
                + " from checkpoint, the shape in current model is "
                + Arrays.toString(params.get(i).shape())
                + ".");
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(
          "Error(s) in loading state_dict: " + String.join(" ", errors));
    }
    try (var off = Grad.disabled()) {
      for (int i = 0; i < names.size(); i++) {
        params.get(i).copyFrom(state.get(names.get(i)));
      }
    }
  }

  private static String quoted(Set<String> keys) {
    return String.join(", ", keys.stream().map(k -> "\"" + k + "\"").toList());
  }
}
