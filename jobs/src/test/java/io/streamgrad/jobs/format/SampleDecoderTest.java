package io.streamgrad.jobs.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.demo.CorruptRecords;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Every way a record can be refused, each with its own reason and origin. */
class SampleDecoderTest {

  static {
    AvroTrust.install();
  }

  private final SampleDecoder decoder = new SampleDecoder(3);

  private Either<DenseSample, DeadLetter> decode(byte[] value) throws Exception {
    return decode(decoder, new ConsumerRecord<>("samples", 1, 42L, "k".getBytes(), value));
  }

  private static Either<DenseSample, DeadLetter> decode(
      SampleDecoder d, ConsumerRecord<byte[], byte[]> record) {
    return DecoderOutput.of(d, record);
  }

  private static byte[] bytes(Sample s) {
    return WireFormat.encode(s);
  }

  private static Sample.Builder good() {
    return Sample.newBuilder().setModelId("m").setFeatures(List.of(1f, 2f, 3f)).setLabel(0.5f);
  }

  private String reason(byte[] value) throws Exception {
    Either<DenseSample, DeadLetter> r = decode(value);
    assertTrue(r.isRight(), "refused");
    DeadLetter d = r.right();
    assertEquals("samples", d.getSourceTopic());
    assertEquals(1, d.getPartition());
    assertEquals(42L, d.getOffset());
    byte[] payload = new byte[d.getPayload().remaining()];
    d.getPayload().duplicate().get(payload);
    assertArrayEquals(
        value == null ? new byte[0] : value, payload, "the original bytes travel with the reason");
    return d.getReason();
  }

  @Test
  void acceptsAValidSample() throws Exception {
    Sample sample =
        good()
            .setWeight(0.25f)
            .setEventTime(java.time.Instant.ofEpochMilli(1_700_000_000_123L))
            .build();
    Either<DenseSample, DeadLetter> r = decode(bytes(sample));
    assertTrue(r.isLeft());
    assertEquals(DenseSample.of(sample), r.left());
    assertArrayEquals(new float[] {1f, 2f, 3f}, r.left().features);
    assertEquals(1_700_000_000_123L, r.left().eventTime);
  }

  @Test
  void aFailureDownstreamIsNotMistakenForBadInput() throws Exception {
    byte[] good = bytes(good().build());
    RuntimeException downstream = new RuntimeException("a chained operator failed");
    RuntimeException thrown =
        org.junit.jupiter.api.Assertions.assertThrows(
            RuntimeException.class,
            () ->
                decoder.deserialize(
                    new ConsumerRecord<>("samples", 0, 1L, "k".getBytes(), good),
                    new Collector<>() {
                      @Override
                      public void collect(Either<DenseSample, DeadLetter> record) {
                        throw downstream;
                      }

                      @Override
                      public void close() {}
                    }));
    assertEquals(downstream, thrown, "propagated as is, so the job fails and restarts");
  }

  @Test
  void refusesEachKindOfBadRecordWithItsReason() throws Exception {
    assertEquals("empty record", reason(new byte[0]));
    assertEquals(
        "not Avro single-object encoding", reason(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    CorruptRecords corrupt = new CorruptRecords(1);
    corrupt.next(good().build()); // NOT_AVRO comes first; the second kind is a newer schema version
    CorruptRecords.Bad newer = corrupt.next(good().build());
    assertEquals(CorruptRecords.Kind.UNKNOWN_FINGERPRINT, newer.kind());
    assertEquals("unknown schema fingerprint", reason(newer.value()));
    byte[] truncated = bytes(good().build());
    assertTrue(reason(java.util.Arrays.copyOf(truncated, 12)).startsWith("malformed Avro body: "));
    // A corrupt array length must not allocate what it claims: 2^30 floats in a 20-byte record.
    byte[] hugeCount = bytes(good().build());
    int countAt = 10 + 2; // header, then modelId "m" (length varint + 1 byte)
    byte[] patched = new byte[hugeCount.length + 4];
    System.arraycopy(hugeCount, 0, patched, 0, countAt);
    byte[] varint = {
      (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08
    }; // zig-zag 2^31 -> 2^30
    System.arraycopy(varint, 0, patched, countAt, varint.length);
    System.arraycopy(
        hugeCount, countAt + 1, patched, countAt + varint.length, hugeCount.length - countAt - 1);
    assertTrue(
        reason(patched).startsWith("malformed Avro body: "),
        "a corrupt length is a malformed body");
    assertEquals(
        "wrong feature count: expected 3, got 2",
        reason(bytes(good().setFeatures(List.of(1f, 2f)).build())));
    assertEquals("empty features", reason(bytes(good().setFeatures(List.of()).build())));
    assertEquals(
        "non-finite feature",
        reason(bytes(good().setFeatures(List.of(1f, Float.NaN, 3f)).build())));
    assertEquals(
        "non-finite feature",
        reason(bytes(good().setFeatures(List.of(1f, Float.POSITIVE_INFINITY, 3f)).build())));
    assertEquals(
        "non-finite label", reason(bytes(good().setLabel(Float.NEGATIVE_INFINITY).build())));
    assertEquals("non-finite weight", reason(bytes(good().setWeight(Float.NaN).build())));
    assertEquals("negative weight", reason(bytes(good().setWeight(-0.5f).build())));
    assertEquals("empty model id", reason(bytes(good().setModelId("").build())));
    assertEquals(
        "model id longer than 256 characters",
        reason(bytes(good().setModelId("x".repeat(257)).build())));
    byte[] padded =
        java.util.Arrays.copyOf(bytes(good().build()), bytes(good().build()).length + 2);
    assertEquals(
        "malformed Avro body: 2 trailing bytes", reason(padded), "a body must be consumed exactly");
  }

  @Test
  void confluentFramingIsNamedWithItsSchemaId() throws Exception {
    // What Confluent's KafkaAvroSerializer writes: 0x00, the schema id (big-endian), the body.
    byte[] body = bytes(good().build());
    byte[] framed = new byte[5 + body.length - 10];
    framed[0] = 0;
    framed[3] = 0x01;
    framed[4] = 0x2C; // schema id 300
    System.arraycopy(body, 10, framed, 5, body.length - 10);
    assertEquals(
        "Confluent Schema Registry framing (schema id 300): use single-object encoding or JSON",
        reason(framed));
  }

  @Test
  void aDeadLetterNamesItsModelWhenTheRecordCouldBeRead() throws Exception {
    assertEquals("m", decode(bytes(good().setLabel(Float.NaN).build())).right().getModelId());
    String huge = "é".repeat(450_000); // 900 KB of model id
    DeadLetter d = decode(bytes(good().setModelId(huge).build())).right();
    assertEquals("model id longer than 256 characters", d.getReason());
    assertEquals(huge.substring(0, 256), d.getModelId(), "cut to 256 characters");
    assertEquals(null, decode(new byte[] {1, 2, 3}).right().getModelId(), "unreadable: no model");
  }

  @Test
  void aRecordOverTheLimitIsRefusedBeforeDecodingWithAPrefix() throws Exception {
    SampleDecoder small = new SampleDecoder(3, 100_000, List.of());
    byte[] big = new byte[1_048_508];
    new java.util.Random(1).nextBytes(big);
    DeadLetter d = decode(small, new ConsumerRecord<>("samples", 0, 7L, null, big)).right();
    assertEquals("record too large: 1048508 bytes", d.getReason());
    assertEquals(SampleDecoder.TOO_LARGE_PREFIX_BYTES, d.getPayload().remaining());
    assertEquals(1_048_508L, d.getPayloadSize());
    assertEquals(64, d.getPayloadSha256().length());
    assertEquals(7L, d.getOffset());
  }

  @Test
  void announcedWriterSchemasAreResolved() throws Exception {
    Schema newer = CorruptRecords.SAMPLE_NEXT_VERSION;
    GenericRecord r = new GenericData.Record(newer);
    r.put("modelId", "m");
    r.put("features", List.of(1f, 2f, 3f));
    r.put("label", 0.5f);
    r.put("weight", 1f);
    r.put("source", "sensor");
    r.put("eventTime", null);
    r.put("indices", List.of());
    r.put("values", List.of());
    r.put("tokens", List.of());
    ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), newer).encode(r);
    byte[] value = new byte[b.remaining()];
    b.get(value);
    assertEquals("unknown schema fingerprint", reason(value), "not announced");
    Either<DenseSample, DeadLetter> resolved =
        decode(
            new SampleDecoder(3, SampleDecoder.DEFAULT_MAX_RECORD_BYTES, List.of(newer.toString())),
            new ConsumerRecord<>("samples", 0, 1L, null, value));
    assertTrue(resolved.isLeft(), "announced: resolved to the reader's version");
    assertArrayEquals(new float[] {1f, 2f, 3f}, resolved.left().features);
  }

  @Test
  void sparsePartsAreCheckedAgainstTheModelsSpace() throws Exception {
    assertEquals(
        "sparse features for a model without a sparse part",
        reason(bytes(good().setTokens(List.of("site=a")).build())));

    SampleDecoder sparse = new SampleDecoder(0);
    sparse.withSparse(10);
    java.util.function.Function<Sample, Either<DenseSample, DeadLetter>> run =
        smp -> {
          try {
            return decode(
                sparse, new ConsumerRecord<>("samples", 1, 42L, "k".getBytes(), bytes(smp)));
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        };
    Sample.Builder ok =
        Sample.newBuilder()
            .setModelId("m")
            .setFeatures(List.of())
            .setLabel(1f)
            .setIndices(List.of(3, 3, 1023))
            .setValues(List.of(0.5f, 0.5f, -2f))
            .setTokens(List.of("hour=13"));
    Either<DenseSample, DeadLetter> good = run.apply(ok.build());
    assertTrue(good.isLeft(), () -> good.right().getReason());
    assertArrayEquals(
        new int[] {3, 3, 1023, 474732 & 1023},
        good.left().indices,
        "duplicates kept: summed by the model");
    String[][] cases = {
      {"sparse index outside the space: 1024 not in [0, 2^10)"},
      {"sparse index outside the space: -1 not in [0, 2^10)"},
      {"indices and values of different lengths: 3 and 2"},
      {"non-finite sparse value"},
      {"empty token"},
      {"wrong feature count: expected 0, got 1"},
    };
    List<Sample> bad =
        List.of(
            Sample.newBuilder(ok.build()).setIndices(List.of(3, 3, 1024)).build(),
            Sample.newBuilder(ok.build()).setIndices(List.of(-1, 3, 5)).build(),
            Sample.newBuilder(ok.build()).setValues(List.of(1f, 2f)).build(),
            Sample.newBuilder(ok.build()).setValues(List.of(1f, Float.NaN, 2f)).build(),
            Sample.newBuilder(ok.build()).setTokens(List.of("a", "")).build(),
            Sample.newBuilder(ok.build()).setFeatures(List.of(1f)).build());
    for (int i = 0; i < bad.size(); i++) {
      Either<DenseSample, DeadLetter> r = run.apply(bad.get(i));
      assertTrue(r.isRight(), cases[i][0]);
      assertEquals(cases[i][0], r.right().getReason());
    }
  }
}
