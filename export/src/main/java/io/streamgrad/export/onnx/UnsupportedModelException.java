package io.streamgrad.export.onnx;

/** A model that cannot be written as ONNX, with what stands in the way. */
public final class UnsupportedModelException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnsupportedModelException(String message) {
    super(message);
  }
}
