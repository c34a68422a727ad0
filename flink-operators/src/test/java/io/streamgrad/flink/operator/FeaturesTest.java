package io.streamgrad.flink.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.streamgrad.schemas.Sample;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.PrimitivesArrays;
import org.junit.jupiter.api.Test;

class FeaturesTest {

  @Test
  void unboxedAndBoxedListsCopyTheSameValues() {
    Schema arrayOfFloat = Sample.getClassSchema().getField("features").schema();
    List<Float> boxed = List.of(1f, -2f, 3.5f);
    PrimitivesArrays.FloatArray unboxed = new PrimitivesArrays.FloatArray(arrayOfFloat, boxed);
    float[] a = new float[5];
    float[] b = new float[5];
    Features.copyInto(unboxed, a, 2);
    Features.copyInto(boxed, b, 2);
    assertArrayEquals(new float[] {0f, 0f, 1f, -2f, 3.5f}, a);
    assertArrayEquals(a, b);
  }
}
