package io.streamgrad.flink.types;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.streamgrad.schemas.DenseSample;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Every field of a sample survives the trip between operators, sparse part and origin included. */
class DenseSampleSerializerTest {

  private static DenseSample roundTrip(DenseSample s) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    DenseSampleSerializer.INSTANCE.serialize(s, out);
    DenseSample back =
        DenseSampleSerializer.INSTANCE.deserialize(
            new DataInputDeserializer(out.getCopyOfBuffer()));
    // copy(in, out) writes the same bytes
    DataOutputSerializer copied = new DataOutputSerializer(64);
    DenseSampleSerializer.INSTANCE.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertArrayEquals(out.getCopyOfBuffer(), copied.getCopyOfBuffer());
    return back;
  }

  @Test
  void aDenseSample() throws IOException {
    DenseSample s = new DenseSample("m-é", new float[] {1.5f, -2f, Float.NaN}, 0.25f, 2f);
    s.partition = 7;
    DenseSample back = roundTrip(s);
    assertEquals(s, back);
    assertEquals(7, back.partition);
    assertNull(back.eventTime);
    assertNull(back.sparseProblem);
    assertEquals(0, back.indices.length);
  }

  @Test
  void aSparseSampleWithEverything() throws IOException {
    DenseSample s = new DenseSample("clicks", new float[0], 1f, 1f);
    s.eventTime = 1_700_000_000_123L;
    s.indices = new int[] {3, 1 << 20, 7};
    s.values = new float[] {1f, 0.5f, 1f};
    s.sparseProblem = "empty token";
    DenseSample back = roundTrip(s);
    assertEquals(s, back);
    assertEquals("empty token", back.sparseProblem);
    assertEquals(s.eventTime, back.eventTime);
  }

  @Test
  void nullsAreKept() throws IOException {
    DenseSample s = new DenseSample();
    DenseSample back = roundTrip(s);
    assertNull(back.modelId);
    assertNull(back.features);
    assertEquals(1f, back.weight);
  }

  @Test
  void aCopyOwnsItsArrays() {
    DenseSample s = new DenseSample("m", new float[] {1f}, 0f, 1f);
    s.indices = new int[] {1};
    s.values = new float[] {2f};
    DenseSample c = DenseSampleSerializer.INSTANCE.copy(s);
    assertEquals(s, c);
    assertNotSame(s.features, c.features);
    assertNotSame(s.indices, c.indices);
    assertNotSame(s.values, c.values);
  }

  /**
   * A field added to the sample must be added to the serializer too: this names the ones it has.
   */
  @Test
  void theSerializerKnowsEveryFieldOfTheSample() {
    Set<String> fields =
        Arrays.stream(DenseSample.class.getDeclaredFields())
            .filter(f -> !Modifier.isStatic(f.getModifiers()))
            .map(Field::getName)
            .collect(Collectors.toSet());
    assertEquals(
        Set.of(
            "modelId",
            "features",
            "label",
            "weight",
            "eventTime",
            "indices",
            "values",
            "sparseProblem",
            "partition"),
        fields);
  }

  @Test
  void nullSparseArraysSurvive() throws IOException {
    DenseSample s = new DenseSample("m", new float[] {1f}, 0f, 1f);
    s.indices = null;
    s.values = null;
    DenseSample c = DenseSampleSerializer.INSTANCE.copy(s);
    assertNull(c.indices);
    assertNull(c.values);
    DenseSample back = roundTrip(s);
    assertEquals(0, back.indices.length);
    assertEquals(0, back.values.length);
  }

  @Test
  void flinkTakesItAsTheSamplesType() {
    assertSame(
        DenseSampleSerializer.INSTANCE,
        io.streamgrad.flink.OnlineTrainer.denseSampleType()
            .createSerializer(
                new org.apache.flink.api.common.serialization.SerializerConfigImpl()));
  }
}
