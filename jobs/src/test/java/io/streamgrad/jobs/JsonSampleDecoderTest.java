package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** JSON samples: read by a streaming parser into DenseSamples; every malformed one refused. */
class JsonSampleDecoderTest {
  private final JsonSampleDecoder decoder = new JsonSampleDecoder(3, 1_000_000);

  private Either<DenseSample, DeadLetter> decode(byte[] value) {
    List<Either<DenseSample, DeadLetter>> out = new ArrayList<>();
    decoder.deserialize(
        new ConsumerRecord<>("samples", 1, 7L, "k".getBytes(), value),
        new Collector<>() {
          @Override
          public void collect(Either<DenseSample, DeadLetter> r) {
            out.add(r);
          }

          @Override
          public void close() {}
        });
    assertEquals(1, out.size(), "one output per record");
    return out.get(0);
  }

  private Either<DenseSample, DeadLetter> decode(String json) {
    return decode(json.getBytes(StandardCharsets.UTF_8));
  }

  private String reason(String json) {
    Either<DenseSample, DeadLetter> r = decode(json);
    assertTrue(r.isRight(), "refused: " + json);
    return r.right().getReason();
  }

  @Test
  void readsWhatJsonSamplesWritesBitForBit() {
    SyntheticData data = new SyntheticData(3, 2, 0.5f, 4);
    for (int i = 0; i < 200; i++) {
      Sample s = data.next();
      if (i % 3 == 0) {
        s.setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i));
        s.setWeight(0.25f);
      }
      Either<DenseSample, DeadLetter> r = decode(JsonSamples.encode(s));
      assertTrue(r.isLeft(), r.toString());
      assertEquals(DenseSample.of(s), r.left(), "Float.toString reads back to the same float");
      assertEquals(1, r.left().partition);
    }
  }

  @Test
  void optionalAndUnknownFields() {
    DenseSample s =
        decode(
                "{\"extra\": {\"a\": [1, 2]}, \"modelId\": \"m\", \"features\": [1, 2.5, -3e-2],"
                    + " \"label\": 4}")
            .left();
    assertEquals("m", s.modelId);
    assertArrayEquals(new float[] {1f, 2.5f, -0.03f}, s.features);
    assertEquals(4f, s.label);
    assertEquals(1f, s.weight, "weight defaults to 1");
    assertEquals(null, s.eventTime);
  }

  @Test
  void refusesEachKindOfBadRecordWithItsReason() {
    assertTrue(reason("{\"modelId\": \"m\", ").startsWith("not JSON: "));
    assertTrue(reason("hello").startsWith("not JSON: "));
    assertEquals("not a JSON object", reason("[1, 2, 3]"));
    assertEquals("missing field: features", reason("{\"modelId\": \"m\", \"label\": 1}"));
    assertEquals("missing field: label", reason("{\"modelId\": \"m\", \"features\": [1, 2, 3]}"));
    assertEquals("missing field: modelId", reason("{\"features\": [1, 2, 3], \"label\": 1}"));
    assertEquals(
        "wrong type: features must be an array of numbers",
        reason("{\"modelId\": \"m\", \"features\": [1, \"2\", 3], \"label\": 1}"));
    assertEquals(
        "wrong type: label must be a number",
        reason("{\"modelId\": \"m\", \"features\": [1, 2, 3], \"label\": \"1\"}"));
    assertEquals(
        "wrong type: modelId must be a string",
        reason("{\"modelId\": 5, \"features\": [1, 2, 3], \"label\": 1}"));
    assertEquals(
        "trailing data after the JSON object",
        reason("{\"modelId\": \"m\", \"features\": [1, 2, 3], \"label\": 1} {}"));
    assertEquals(
        "wrong feature count: expected 3, got 2",
        reason("{\"modelId\": \"m\", \"features\": [1, 2], \"label\": 1}"));
    assertEquals(
        "non-finite feature",
        reason("{\"modelId\": \"m\", \"features\": [1, 1e39, 3], \"label\": 1}"));
    assertEquals(
        "empty model id", reason("{\"modelId\": \"\", \"features\": [1, 2, 3], \"label\": 1}"));
    assertEquals(
        "negative weight",
        reason("{\"modelId\": \"m\", \"features\": [1, 2, 3], \"label\": 1, \"weight\": -1}"));
    assertEquals("empty record", reason(""));
    Either<DenseSample, DeadLetter> avro =
        decode(
            io.streamgrad.schemas.WireFormat.encode(
                Sample.newBuilder()
                    .setModelId("m")
                    .setFeatures(List.of(1f, 2f, 3f))
                    .setLabel(1f)
                    .build()));
    assertEquals(
        "Avro single-object encoding: this job reads JSON samples (--sample-format)",
        avro.right().getReason());
    assertEquals(
        "Confluent Schema Registry framing (schema id 9): use single-object encoding or JSON",
        decode(new byte[] {0, 0, 0, 0, 9, '{', '}'}).right().getReason());
    DeadLetter d = decode("{\"modelId\": \"m\", \"features\": [1], \"label\": 1}").right();
    assertEquals("m", d.getModelId());
    assertEquals("samples", d.getSourceTopic());
    assertEquals(7L, d.getOffset());
  }
}
