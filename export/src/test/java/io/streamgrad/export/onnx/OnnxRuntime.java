package io.streamgrad.export.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.streamgrad.autograd.SparseBatch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/** Runs an exported model in ONNX Runtime, with inputs as streamgrad's predictor takes them. */
public final class OnnxRuntime implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  public OnnxRuntime(byte[] model) throws OrtException {
    session = env.createSession(model, new OrtSession.SessionOptions());
  }

  public OrtSession session() {
    return session;
  }

  /** Predictions of {@code rows} inputs: dense part {@code x} (or null), sparse part (or null). */
  public float[] predict(float[] x, int features, SparseBatch sparse, int rows)
      throws OrtException {
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      if (features > 0) {
        in.put(
            OnnxExporter.FEATURES,
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(x, 0, rows * features), new long[] {rows, features}));
      }
      if (sparse != null) {
        int width = 0;
        for (int b = 0; b < rows; b++) {
          width = Math.max(width, sparse.offset(b + 1) - sparse.offset(b));
        }
        long[] indices = new long[rows * width];
        float[] values = new float[rows * width];
        for (int b = 0; b < rows; b++) {
          for (int k = sparse.offset(b); k < sparse.offset(b + 1); k++) {
            int at = b * width + k - sparse.offset(b);
            indices[at] = sparse.indices()[k];
            values[at] = sparse.values()[k];
          }
        }
        long[] shape = {rows, width};
        in.put(OnnxExporter.INDICES, OnnxTensor.createTensor(env, LongBuffer.wrap(indices), shape));
        in.put(OnnxExporter.VALUES, OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape));
      }
      try (OrtSession.Result out = session.run(in)) {
        return (float[]) out.get(OnnxExporter.PREDICTION).get().getValue();
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
