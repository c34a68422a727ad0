package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import java.util.ArrayList;
import java.util.List;
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
    List<Either<DenseSample, DeadLetter>> out = new ArrayList<>();
    decoder.deserialize(
        new ConsumerRecord<>("samples", 1, 42L, "k".getBytes(), value),
        new Collector<>() {
          @Override
          public void collect(Either<DenseSample, DeadLetter> record) {
            out.add(record);
          }

          @Override
          public void close() {}
        });
    assertEquals(1, out.size(), "exactly one output per record");
    return out.get(0);
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
    assertArrayEquals(value == null ? new byte[0] : value, payload, "the original bytes travel with the reason");
    return d.getReason();
  }

  @Test
  void acceptsAValidSample() throws Exception {
    Sample sample = good().setWeight(0.25f).setEventTime(java.time.Instant.ofEpochMilli(1_700_000_000_123L)).build();
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
    assertEquals("not Avro single-object encoding", reason(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
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
    byte[] varint = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}; // zig-zag 2^31 -> 2^30
    System.arraycopy(varint, 0, patched, countAt, varint.length);
    System.arraycopy(hugeCount, countAt + 1, patched, countAt + varint.length, hugeCount.length - countAt - 1);
    assertTrue(reason(patched).startsWith("malformed Avro body: "), "a corrupt length is a malformed body");
    assertEquals("wrong feature count: expected 3, got 2", reason(bytes(good().setFeatures(List.of(1f, 2f)).build())));
    assertEquals("empty features", reason(bytes(good().setFeatures(List.of()).build())));
    assertEquals("non-finite feature", reason(bytes(good().setFeatures(List.of(1f, Float.NaN, 3f)).build())));
    assertEquals("non-finite feature", reason(bytes(good().setFeatures(List.of(1f, Float.POSITIVE_INFINITY, 3f)).build())));
    assertEquals("non-finite label", reason(bytes(good().setLabel(Float.NEGATIVE_INFINITY).build())));
    assertEquals("non-finite weight", reason(bytes(good().setWeight(Float.NaN).build())));
    assertEquals("negative weight", reason(bytes(good().setWeight(-0.5f).build())));
    assertEquals("empty model id", reason(bytes(good().setModelId("").build())));
    assertEquals("model id longer than 256 characters", reason(bytes(good().setModelId("x".repeat(257)).build())));
  }
}
