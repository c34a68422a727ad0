package io.streamgrad.schemas;

import java.util.ArrayList;
import java.util.List;

/**
 * Between Avro's {@code array<float>} ({@code List<Float>} in generated classes) and {@code
 * float[]}. Boxing is for records that leave the hot path (snapshots, dead letters, tools), never
 * per sample.
 */
public final class FloatLists {

  private FloatLists() {}

  public static List<Float> boxed(float[] values) {
    List<Float> out = new ArrayList<>(values.length);
    for (float v : values) {
      out.add(v);
    }
    return out;
  }

  public static float[] unboxed(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
