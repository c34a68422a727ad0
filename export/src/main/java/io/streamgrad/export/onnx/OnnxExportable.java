package io.streamgrad.export.onnx;

import io.streamgrad.autograd.Tensor;
import java.util.Map;

/**
 * A user's model factory that knows its forward pass in ONNX ops. streamgrad writes the built-in
 * kinds itself; a user's model is arbitrary engine code, so its factory maps it: the same ops its
 * {@code forward} runs, written with {@link OnnxGraph#op}, over the parameters as {@link
 * OnnxGraph#floats} initializers. The exporter adds the standardization before and the factory's
 * link after.
 */
public interface OnnxExportable {

  /**
   * Writes the forward pass from {@code input} (float {@code [batch, features]}, standardized when
   * the model is) to its raw output {@code [batch]}; returns the output's name.
   *
   * @param parameters the version's parameters by name, as {@code stateDict()} gives them
   */
  String forward(OnnxGraph graph, String input, Map<String, Tensor> parameters);
}
