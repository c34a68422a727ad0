package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.junit.jupiter.api.Test;

/**
 * The wire format is Avro single-object encoding: a 2-byte marker, the writer schema's 8-byte
 * fingerprint, then the binary body. Readers that know a writer's schema resolve it to their own.
 */
class SingleObjectEncodingTest {

  static {
    AvroTrust.install();
  }

  /** Version 2 of Sample: one optional field added, with a default. */
  static final Schema SAMPLE_V2 =
      new Schema.Parser()
          .parse(
              Sample.getClassSchema()
                  .toString()
                  .replace(
                      "\"name\":\"eventTime\"",
                      "\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"eventTime\""));

  static Sample sample() {
    return Sample.newBuilder()
        .setModelId("m1")
        .setFeatures(List.of(1f, -2.5f, 3f))
        .setLabel(0.5f)
        .setWeight(2f)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .build();
  }

  @Test
  void untrustedUntilInstalledIsAvrosOwnRule() {
    // The validator is JVM-wide; after install() our package is trusted, other classes are not.
    org.apache.avro.util.ClassSecurityValidator.validate(Sample.class);
    assertThrows(
        SecurityException.class,
        () -> org.apache.avro.util.ClassSecurityValidator.validate(java.util.Random.class));
  }

  @Test
  void headerCarriesTheSchemaFingerprint() throws Exception {
    byte[] bytes = toBytes(sample().toByteBuffer());
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(SchemaNormalization.parsingFingerprint64(Sample.getClassSchema()), fingerprint);
    assertEquals(sample(), Sample.fromByteBuffer(ByteBuffer.wrap(bytes)));
  }

  @Test
  void defaultsApplyToOmittedFields() throws Exception {
    Sample s = Sample.newBuilder().setFeatures(List.of(1f)).setLabel(1f).build();
    assertEquals("default", s.getModelId());
    assertEquals(1f, s.getWeight());
    assertNull(s.getEventTime());
  }

  /** {@link #sample()} as version 2 writes it: single-object bytes with V2's fingerprint. */
  static ByteBuffer sampleV2() throws IOException {
    GenericRecord v2 = new GenericData.Record(SAMPLE_V2);
    v2.put("modelId", "m1");
    v2.put("features", List.of(1f, -2.5f, 3f));
    v2.put("label", 0.5f);
    v2.put("weight", 2f);
    v2.put("source", "sensor-7");
    v2.put("eventTime", 1_700_000_000_000L);
    v2.put("indices", List.of());
    v2.put("values", List.of());
    v2.put("tokens", List.of());
    return new BinaryMessageEncoder<GenericRecord>(GenericData.get(), SAMPLE_V2).encode(v2);
  }

  @Test
  void aNewWriterIsReadByAnOldReaderThatKnowsItsSchema() throws Exception {
    ByteBuffer bytes = sampleV2();

    // An old reader that never heard of version 2 refuses it clearly...
    assertThrows(MissingSchemaException.class, () -> Sample.getDecoder().decode(bytes.duplicate()));
    // ...and one that registered it resolves it to its own schema, dropping the new field.
    SchemaStore.Cache known = new SchemaStore.Cache();
    known.addSchema(SAMPLE_V2);
    BinaryMessageDecoder<Sample> oldReader = Sample.createDecoder(known);
    Sample decoded = oldReader.decode(bytes.duplicate());
    assertEquals(sample().getFeatures(), decoded.getFeatures());
    assertEquals(sample().getLabel(), decoded.getLabel());
    assertEquals(sample().getEventTime(), decoded.getEventTime());
  }

  @Test
  void anOldWriterIsReadByANewReaderWithTheDefault() throws Exception {
    BinaryMessageDecoder<GenericRecord> newReader =
        new BinaryMessageDecoder<>(GenericData.get(), SAMPLE_V2);
    newReader.addSchema(Sample.getClassSchema());
    GenericRecord decoded = newReader.decode(sample().toByteBuffer());
    assertNull(decoded.get("source"));
    assertEquals("m1", decoded.get("modelId").toString());
    assertEquals(2f, decoded.get("weight"));
  }

  @Test
  void snapshotsAndDeadLettersRoundTrip() throws Exception {
    NamedTensor w =
        NamedTensor.newBuilder()
            .setName("weight")
            .setShape(List.of(2))
            .setValues(List.of(0.5f, -1f))
            .build();
    WeightSnapshot s =
        WeightSnapshot.newBuilder()
            .setModelId("m1")
            .setVersion(7)
            .setWeights(List.of(0.5f, -1f))
            .setBias(0.25f)
            .setParameters(List.of(w))
            .setSamplesSeen(448)
            .setBatchLoss(0.3f)
            .setPrequentialLoss(0.9)
            .setGradNorm(0.01f)
            .setLearningRate(0.01f)
            .setOptimizer("sgd")
            .setTimestamp(Instant.ofEpochMilli(1L))
            .build();
    assertEquals(s, WeightSnapshot.fromByteBuffer(s.toByteBuffer()));
    assertNull(s.getOptimizerState());
    DeadLetter dl =
        DeadLetter.newBuilder()
            .setReason("not Avro single-object encoding")
            .setSourceTopic("samples")
            .setPartition(3)
            .setOffset(42L)
            .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}))
            .setTimestamp(Instant.ofEpochMilli(2L))
            .build();
    DeadLetter back = DeadLetter.fromByteBuffer(dl.toByteBuffer());
    assertEquals(dl, back);
    assertArrayEquals(new byte[] {1, 2, 3}, toBytes(back.getPayload()));
  }

  static byte[] toBytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
