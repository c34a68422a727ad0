package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.util.Utf8;
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
    enc.writeLong(0); // no indices
    enc.writeLong(0); // no values
    enc.writeLong(1); // tokens in two blocks
    enc.writeString("a");
    enc.writeLong(1);
    enc.writeString("site=news.example");
    enc.writeLong(0);
    enc.flush();
    DenseSample d = reader.read(out.toByteArray());
    assertArrayEquals(new float[] {1f, 2f, 3f}, d.features);
    assertArrayEquals(new int[] {354738, 646892}, d.indices, "murmur3 of the tokens mod 2^20");
    assertEquals(DenseSample.of(Sample.fromByteBuffer(ByteBuffer.wrap(out.toByteArray()))), d);
  }

  @Test
  void bytesOfTheFirstReleaseDecodeWithoutASparsePart() throws IOException {
    org.apache.avro.Schema v1 =
        new org.apache.avro.Schema.Parser()
            .parse(getClass().getResourceAsStream("/io/streamgrad/schemas/released/Sample-1.avsc"));
    var r = new org.apache.avro.generic.GenericData.Record(v1);
    r.put("modelId", "old");
    r.put("features", List.of(1f, 2f));
    r.put("label", 3f);
    r.put("weight", 1f);
    r.put("eventTime", null);
    byte[] bytes =
        new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1)
            .encode(r)
            .array();
    DenseSample d = reader.read(bytes);
    assertEquals("old", d.modelId);
    assertArrayEquals(new float[] {1f, 2f}, d.features);
    assertEquals(0, d.indices.length);
    assertEquals(0, d.values.length);
    assertEquals(null, d.sparseProblem);
  }

  @Test
  void sparsePartsDecodeWithTokensHashedAndTheirProblemsNamed() throws IOException {
    Sample s =
        Sample.newBuilder()
            .setModelId("m")
            .setFeatures(List.of())
            .setLabel(1f)
            .setIndices(List.of(5, 7))
            .setValues(List.of(0.5f, 2f))
            .setTokens(List.of("hour=13", "a"))
            .build();
    DenseSample d = new SampleReader(KnownSchemas.released(), 20).read(encode(s));
    assertArrayEquals(new int[] {5, 7, 474732, 354738}, d.indices);
    assertArrayEquals(new float[] {0.5f, 2f, 1f, 1f}, d.values);
    assertEquals(null, d.sparseProblem);
    assertEquals(DenseSample.of(s, 20), d);
    DenseSample small = new SampleReader(KnownSchemas.released(), 4).read(encode(s));
    assertEquals(474732 & 15, small.indices[2], "the space of 2^4");

    s.setTokens(List.of("a", ""));
    assertEquals("empty token", reader.read(encode(s)).sparseProblem);
    assertEquals("empty token", DenseSample.of(s).sparseProblem);
    s.setTokens(List.of());
    s.setValues(List.of(1f));
    assertEquals(
        "indices and values of different lengths: 2 and 1", reader.read(encode(s)).sparseProblem);
    assertEquals(
        "indices and values of different lengths: 2 and 1", DenseSample.of(s).sparseProblem);
  }

  private static byte[] sampleOf(String modelId) throws IOException {
    return encode(
        Sample.newBuilder().setModelId(modelId).setFeatures(List.of(1f)).setLabel(0f).build());
  }

  /**
   * Model ids are decoded once per distinct id while it stays cached, and always to the same text.
   */
  @Test
  void modelIdsComeBackAsTheSameStringWhileCached() throws IOException {
    String first = reader.read(sampleOf("model-7")).modelId;
    String again = reader.read(sampleOf("model-7")).modelId;
    assertEquals("model-7", first);
    assertSame(first, again);
    // More distinct ids than the cache has slots, in random order: always the right text.
    SplittableRandom rng = new SplittableRandom(11);
    for (int i = 0; i < 20_000; i++) {
      String id = "m" + rng.nextInt(3_000) + "é".repeat(rng.nextInt(0, 2));
      assertEquals(id, reader.read(sampleOf(id)).modelId);
    }
    // An id longer than any valid one is decoded but not kept.
    String longId = "x".repeat(5_000);
    String read = reader.read(sampleOf(longId)).modelId;
    assertEquals(longId, read);
    assertNotSame(read, reader.read(sampleOf(longId)).modelId);
    // Malformed UTF-8 reads as Avro reads it.
    byte[] bytes = sampleOf("mXYZ");
    int at = WireFormat.HEADER_LENGTH + 2; // after the id's length and its 'm'
    assertEquals('X', bytes[at]);
    bytes[at] = (byte) 0xC3;
    bytes[at + 1] = 0x28;
    bytes[at + 2] = (byte) 0xFF;
    Utf8 malformed = new Utf8(new byte[] {'m', (byte) 0xC3, 0x28, (byte) 0xFF});
    assertEquals(
        Sample.fromByteBuffer(ByteBuffer.wrap(bytes)).getModelId().toString(),
        reader.read(bytes).modelId);
    assertEquals(malformed.toString(), reader.read(bytes).modelId);
  }
}
