package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.junit.jupiter.api.Test;

/** The fast reader decodes exactly what Avro's own specific reader does. */
class SampleReaderTest {

  static {
    AvroTrust.install();
  }

  private final SampleReader reader = new SampleReader();

  private static byte[] encode(Sample s) throws IOException {
    ByteBuffer b = s.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void agreesWithAvrosReaderOnRandomSamples() throws IOException {
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 500; i++) {
      int n = rng.nextInt(0, 300);
      List<Float> x = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        x.add(j % 17 == 5 ? Float.NaN : (float) rng.nextGaussian() * 100);
      }
      Sample s =
          Sample.newBuilder()
              .setModelId("model-" + "é".repeat(rng.nextInt(0, 3)) + i)
              .setFeatures(x)
              .setLabel((float) rng.nextGaussian())
              .setWeight(rng.nextInt(4) == 0 ? -1f : rng.nextFloat())
              .setEventTime(
                  rng.nextBoolean() ? Instant.ofEpochMilli(rng.nextLong(0, 1L << 42)) : null)
              .build();
      byte[] bytes = encode(s);
      DenseSample fast = reader.read(bytes);
      DenseSample viaAvro = DenseSample.of(Sample.fromByteBuffer(ByteBuffer.wrap(bytes)));
      assertEquals(viaAvro, fast, "sample " + i);
      assertEquals(s, fast.toSample(), "and back");
    }
  }

  @Test
  void anotherFingerprintTakesAvrosPath() throws IOException {
    byte[] bytes =
        encode(Sample.newBuilder().setModelId("m").setFeatures(List.of(1f)).setLabel(0f).build());
    bytes[5] ^= 0x5A; // another fingerprint
    assertThrows(MissingSchemaException.class, () -> reader.read(bytes));
  }

  @Test
  void refusesWhatIsNotSingleObjectEncoded() {
    assertThrows(BadHeaderException.class, () -> reader.read(new byte[] {1, 2, 3}));
    assertThrows(BadHeaderException.class, () -> reader.read(new byte[] {(byte) 0xC3, 0x01, 0, 0}));
    assertThrows(BadHeaderException.class, () -> reader.read(new byte[12]));
  }

  @Test
  void aTruncatedBodyIsAnError() throws IOException {
    byte[] bytes =
        encode(
            Sample.newBuilder()
                .setModelId("m")
                .setFeatures(List.of(1f, 2f, 3f))
                .setLabel(0f)
                .build());
    for (int len = 10; len < bytes.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(bytes, len);
      assertThrows(Exception.class, () -> reader.read(cut), "cut at " + len);
    }
  }

  @Test
  void readsMultiBlockArrays() throws IOException {
    // Avro writers may split an array into blocks (negative counts carry the block's byte size);
    // the generic writer with a tiny block size is not exposed, so hand-build the body.
    Sample s =
        Sample.newBuilder().setModelId("m").setFeatures(List.of(1f, 2f, 3f)).setLabel(4f).build();
    byte[] one = encode(s);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(one, 0, 12); // header + "m"
    var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    enc.writeLong(2); // block of 2
    enc.writeFloat(1f);
    enc.writeFloat(2f);
    enc.writeLong(-1); // block of 1 with its size in bytes
    enc.writeLong(4);
    enc.writeFloat(3f);
    enc.writeLong(0);
    enc.writeFloat(4f); // label
    enc.writeFloat(1f); // weight
    enc.writeIndex(0); // no eventTime
    enc.flush();
    DenseSample d = reader.read(out.toByteArray());
    assertArrayEquals(new float[] {1f, 2f, 3f}, d.features);
    assertEquals(DenseSample.of(Sample.fromByteBuffer(ByteBuffer.wrap(out.toByteArray()))), d);
  }
}
