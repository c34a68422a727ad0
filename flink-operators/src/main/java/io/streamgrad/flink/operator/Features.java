package io.streamgrad.flink.operator;

import java.util.List;
import org.apache.avro.generic.PrimitivesArrays;

/**
 * Copies a sample's features into a batch buffer, without unboxing when the list is Avro's
 * {@link PrimitivesArrays.FloatArray} (what Avro 1.12's generic decoding produces; specific
 * decoding still produces a boxed list).
 */
final class Features {

  private Features() {}

  static void copyInto(List<Float> features, float[] dst, int offset) {
    int n = features.size();
    if (features instanceof PrimitivesArrays.FloatArray) {
      PrimitivesArrays.FloatArray unboxed = (PrimitivesArrays.FloatArray) features;
      for (int i = 0; i < n; i++) {
        dst[offset + i] = unboxed.getFloat(i);
      }
    } else {
      for (int i = 0; i < n; i++) {
        dst[offset + i] = features.get(i);
      }
    }
  }
}
