package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.junit.jupiter.api.Test;

/**
 * Every released version of each schema is known by fingerprint; records of a known writer schema
 * are resolved against the reader's, unknown ones refused, and a body must be consumed exactly.
 */
class SchemaEvolutionTest {

  static {
    AvroTrust.install();
  }

  /** A version of Sample from before eventTime and weight: an older writer. */
  static final Schema SAMPLE_OLDER =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Sample\",\"namespace\":\"io.streamgrad.schemas\",\"fields\":["
                  + "{\"name\":\"modelId\",\"type\":\"string\"},"
                  + "{\"name\":\"features\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
                  + "{\"name\":\"label\",\"type\":\"float\"}]}");

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] newerSample() throws IOException {
    return bytes(SingleObjectEncodingTest.sampleV2());
  }

  @Test
  void theGeneratedClassesAreTheNewestReleasedVersions() {
    // A change to an .avsc without a new released/Name-N.avsc fails here.
    for (Schema current :
        List.of(
            Sample.getClassSchema(),
            WeightSnapshot.getClassSchema(),
            DeadLetter.getClassSchema(),
            PredictionRequest.getClassSchema(),
            Prediction.getClassSchema(),
            DriftEvent.getClassSchema(),
            Label.getClassSchema(),
            FeedbackReport.getClassSchema())) {
      List<Schema> versions = KnownSchemas.released().versions(current.getFullName());
      assertTrue(!versions.isEmpty(), current.getFullName());
      assertEquals(
          KnownSchemas.fingerprint(current),
          KnownSchemas.fingerprint(versions.get(versions.size() - 1)),
          current.getName()
              + ": the newest file under released/ is the schema the classes are generated from");
    }
    assertEquals(
        2, KnownSchemas.released().versions(DeadLetter.getClassSchema().getFullName()).size());
  }

  @Test
  void aSnapshotOfTheFirstReleaseIsReadWithoutAModelSpec() throws IOException {
    // Bytes of WeightSnapshot-1, written by a job of the previous release.
    Schema v1 = new Schema.Parser().parse(KnownSchemas.releasedText("WeightSnapshot-1"));
    GenericRecord old = new GenericData.Record(v1);
    old.put("modelId", "m");
    old.put("version", 3L);
    old.put("weights", List.of(1f, 2f));
    old.put("bias", 0.5f);
    old.put("parameters", List.of());
    old.put("samplesSeen", 9L);
    old.put("batchLoss", 0.1f);
    old.put("prequentialLoss", 0.2);
    old.put("gradNorm", 0.3f);
    old.put("learningRate", 0.01f);
    old.put("optimizer", "sgd");
    old.put("timestamp", 5L);
    old.put("optimizerState", null);
    ByteBuffer wire = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);

    WeightSnapshot read = WeightSnapshot.createDecoder(KnownSchemas.released()).decode(wire);
    assertEquals(3L, read.getVersion());
    assertEquals(List.of(1f, 2f), read.getWeights());
    assertNull(read.getModelSpec(), "written before the field existed");
  }

  @Test
  void aSnapshotCarriesItsModelSpec() throws IOException {
    ModelSpec spec =
        ModelSpec.newBuilder()
            .setKind("mlp")
            .setFeatures(16)
            .setHidden(List.of(32, 16))
            .setActivation("TANH")
            .build();
    WeightSnapshot s =
        WeightSnapshot.newBuilder()
            .setModelId("m")
            .setVersion(1)
            .setWeights(List.of())
            .setBias(0f)
            .setSamplesSeen(1)
            .setBatchLoss(0f)
            .setPrequentialLoss(0)
            .setGradNorm(0f)
            .setLearningRate(0f)
            .setOptimizer("sgd")
            .setTimestamp(java.time.Instant.EPOCH)
            .setModelSpec(spec)
            .build();
    WeightSnapshot read =
        WeightSnapshot.createDecoder(KnownSchemas.released()).decode(s.toByteBuffer());
    assertEquals(spec, read.getModelSpec());
  }

  @Test
  void requestsAndPredictionsTravelAsSingleObjects() throws IOException {
    PredictionRequest r =
        PredictionRequest.newBuilder()
            .setModelId("m")
            .setRequestId("r-1")
            .setFeatures(List.of(1f, -2f))
            .setEventTime(java.time.Instant.ofEpochMilli(7))
            .build();
    assertEquals(
        r, PredictionRequest.createDecoder(KnownSchemas.released()).decode(r.toByteBuffer()));
    Prediction p =
        Prediction.newBuilder()
            .setModelId("m")
            .setRequestId("r-1")
            .setOutput(0.75f)
            .setModelVersion(12)
            .setModelTimestamp(java.time.Instant.ofEpochMilli(5))
            .build();
    Prediction read = Prediction.createDecoder(KnownSchemas.released()).decode(p.toByteBuffer());
    assertEquals(p, read);
    assertNull(read.getEventTime(), "a request without eventTime");
  }

  @Test
  void anOldWriterIsReadByTheNewReader() throws IOException {
    // Dead letters written by the previous release (no modelId, no payload cut fields).
    Schema v1 = new Schema.Parser().parse(KnownSchemas.releasedText("DeadLetter-1"));
    GenericRecord old = new GenericData.Record(v1);
    old.put("reason", "empty record");
    old.put("sourceTopic", "samples");
    old.put("partition", 1);
    old.put("offset", 7L);
    old.put("payload", ByteBuffer.wrap(new byte[] {9}));
    old.put("timestamp", 5L);
    ByteBuffer wire = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
    assertThrows(
        MissingSchemaException.class,
        () -> DeadLetter.getDecoder().decode(wire.duplicate()),
        "Avro's own decoder knows only the current version");
    DeadLetter d = DeadLetter.createDecoder(KnownSchemas.released()).decode(wire.duplicate());
    assertEquals("empty record", d.getReason());
    assertEquals(7L, d.getOffset());
    assertNull(d.getModelId());
    assertNull(d.getPayloadSize());

    // An older Sample announced by a producer: the reader fills in the defaults.
    SampleReader reader = new SampleReader(KnownSchemas.released().with(SAMPLE_OLDER));
    GenericRecord s = new GenericData.Record(SAMPLE_OLDER);
    s.put("modelId", "m0");
    s.put("features", List.of(1f, 2f));
    s.put("label", 3f);
    DenseSample read =
        reader.read(
            bytes(
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), SAMPLE_OLDER)
                    .encode(s)));
    assertEquals(new DenseSample("m0", new float[] {1f, 2f}, 3f, 1f), read);
  }

  @Test
  void aNewWriterIsReadByAnOldReaderOnceAnnounced() throws IOException {
    byte[] newer = newerSample();
    assertThrows(
        MissingSchemaException.class,
        () -> new SampleReader().read(newer),
        "not announced: unknown");
    DenseSample d =
        new SampleReader(KnownSchemas.released().with(SingleObjectEncodingTest.SAMPLE_V2))
            .read(newer);
    assertEquals("m1", d.modelId);
    assertArrayEquals(new float[] {1f, -2.5f, 3f}, d.features);
    assertEquals(2f, d.weight);
    assertEquals(1_700_000_000_000L, d.eventTime);
  }

  @Test
  void aNewBodyUnderTheOldFingerprintIsRefused() throws IOException {
    byte[] newer = newerSample();
    byte[] current =
        bytes(
            Sample.newBuilder()
                .setModelId("m")
                .setFeatures(List.of(1f))
                .setLabel(0f)
                .build()
                .toByteBuffer());
    System.arraycopy(
        current, 2, newer, 2, 8); // the current fingerprint over a body with an extra field
    // The v2 body puts "source" (union index + "sensor-7") before eventTime: the current reader
    // reads eventTime's union index from "source"'s and the sparse arrays from what follows, and
    // refuses the body one way or another (each is a "malformed Avro body" dead letter).
    Exception e = assertThrows(Exception.class, () -> new SampleReader().read(newer));
    assertTrue(
        e instanceof java.io.IOException || e instanceof org.apache.avro.AvroRuntimeException,
        e.toString());

    byte[] padded = java.util.Arrays.copyOf(current, current.length + 3);
    assertEquals(
        3,
        assertThrows(TrailingBytesException.class, () -> new SampleReader().read(padded))
            .trailing());
  }

  @Test
  void onlyCompatibleVersionsOfStreamgradRecordsCanBeAnnounced() {
    Schema other =
        new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Other\",\"fields\":[]}");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> KnownSchemas.released().with(other))
            .getMessage()
            .contains("is not a version of a streamgrad schema"));
    Schema incompatible =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Sample\",\"namespace\":\"io.streamgrad.schemas\",\"fields\":["
                    + "{\"name\":\"modelId\",\"type\":\"string\"},{\"name\":\"features\",\"type\":\"string\"},"
                    + "{\"name\":\"label\",\"type\":\"float\"}]}");
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> KnownSchemas.released().with(incompatible))
            .getMessage()
            .startsWith(
                "writer schema of io.streamgrad.schemas.Sample cannot be read by this version"));
  }
}
