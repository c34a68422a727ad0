package io.streamgrad.jobs.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.WireFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Labels and events on the wire: each refusal with its reason, event times from the record or from
 * Kafka, and none so far ahead of the clock that it could move a watermark.
 */
class LabelDecoderTest {

  static {
    AvroTrust.install();
  }

  private static final EventTime TIME =
      EventTime.builder().maxClockSkew(Duration.ofMinutes(10)).build();

  private final LabelDecoder labels = new LabelDecoder(1_000_000, List.of(), TIME);

  private static ConsumerRecord<byte[], byte[]> record(byte[] value, long kafkaTime) {
    return new ConsumerRecord<>(
        "labels",
        0,
        7L,
        kafkaTime,
        TimestampType.CREATE_TIME,
        1,
        value.length,
        "k".getBytes(),
        value,
        new RecordHeaders(),
        Optional.empty());
  }

  private static Label.Builder good() {
    return Label.newBuilder().setModelId("m").setRequestId("r-1").setLabel(1f);
  }

  private String reason(Label l, long kafkaTime) {
    Either<Label, DeadLetter> r = DecoderOutput.of(labels, record(WireFormat.encode(l), kafkaTime));
    return r.isLeft() ? null : r.right().getReason();
  }

  @Test
  void aLabelWithoutAnEventTimeTakesItsRecordsTimestamp() {
    long now = System.currentTimeMillis();
    Either<Label, DeadLetter> r =
        DecoderOutput.of(labels, record(WireFormat.encode(good().build()), now));
    assertTrue(r.isLeft(), r.toString());
    assertEquals(Instant.ofEpochMilli(now), r.left().getEventTime());
    Instant then = Instant.ofEpochMilli(now - 3_600_000);
    r = DecoderOutput.of(labels, record(WireFormat.encode(good().setEventTime(then).build()), now));
    assertEquals(then, r.left().getEventTime(), "its own event time wins");
  }

  @Test
  void everyBadLabelHasItsReason() {
    long now = System.currentTimeMillis();
    assertEquals("empty model id", reason(good().setModelId("").build(), now));
    assertEquals("empty request id", reason(good().setRequestId("").build(), now));
    assertTrue(reason(good().setRequestId("x".repeat(300)).build(), now).startsWith("request id"));
    assertEquals("non-finite label", reason(good().setLabel(Float.NaN).build(), now));
    assertEquals(
        "non-finite weight", reason(good().setWeight(Float.POSITIVE_INFINITY).build(), now));
    assertEquals("negative weight", reason(good().setWeight(-1f).build(), now));
    String future =
        reason(good().setEventTime(Instant.ofEpochMilli(now + 86_400_000L)).build(), now);
    assertTrue(future.startsWith("event time in the future: PT2"), future);
    assertTrue(
        reason(good().build(), now + 86_400_000L).startsWith("event time in the future"),
        "a Kafka timestamp a day ahead is refused too");
    Either<Label, DeadLetter> garbage = DecoderOutput.of(labels, record(new byte[] {1, 2, 3}, now));
    assertEquals("not Avro single-object encoding", garbage.right().getReason());
    Either<Label, DeadLetter> sample =
        DecoderOutput.of(
            labels,
            record(
                WireFormat.encode(
                    io.streamgrad.schemas.Sample.newBuilder()
                        .setFeatures(List.of())
                        .setLabel(1f)
                        .build()),
                now));
    assertEquals("not a Label: a Sample record", sample.right().getReason());
  }

  @Test
  void jsonLabelsReadAsAvroOnesAndEachFaultHasItsReason() {
    LabelDecoder json = new LabelDecoder(1_000_000, List.of(), TIME, true);
    long now = System.currentTimeMillis();
    String good =
        "{\"modelId\": \"m\", \"requestId\": \"r-1\", \"label\": 1, \"eventTime\": "
            + (now - 5)
            + ", \"weight\": 0.5, \"campaign\": {\"id\": 3}}";
    Either<Label, DeadLetter> r = DecoderOutput.of(json, record(good.getBytes(), now));
    assertTrue(r.isLeft(), r.toString());
    assertEquals(
        good().setEventTime(Instant.ofEpochMilli(now - 5)).setWeight(0.5f).build(), r.left());
    Either<Label, DeadLetter> bare =
        DecoderOutput.of(
            json, record("{\"modelId\":\"m\",\"requestId\":\"r-1\",\"label\":0}".getBytes(), now));
    assertEquals(Instant.ofEpochMilli(now), bare.left().getEventTime(), "the record's timestamp");
    String[][] bad = {
      {"[1]", "not a JSON object"},
      {"{\"modelId\":\"m\",\"label\":1}", "missing field: requestId"},
      {
        "{\"modelId\":\"m\",\"requestId\":\"r\",\"label\":\"yes\"}",
        "wrong type: label must be a number"
      },
      {
        "{\"modelId\":\"m\",\"requestId\":\"r\",\"label\":NaN}",
        "non-finite number: NaN and Infinity are not JSON numbers"
      },
      {
        "{\"modelId\":\"m\",\"requestId\":\"r\",\"label\":1} {}",
        "trailing data after the JSON object"
      },
      {"{\"modelId\":\"m\",", "not JSON: the record ends inside a value"},
      {"{\"modelId\":\"m\",\"requestId\":\"\",\"label\":1}", "empty request id"},
    };
    for (String[] b : bad) {
      Either<Label, DeadLetter> d = DecoderOutput.of(json, record(b[0].getBytes(), now));
      assertEquals(b[1], d.isRight() ? d.right().getReason() : "accepted", b[0]);
    }
    Either<Label, DeadLetter> avro =
        DecoderOutput.of(json, record(WireFormat.encode(good().build()), now));
    assertEquals(
        "Avro single-object encoding: this job reads JSON labels (--label-format)",
        avro.right().getReason());
  }

  @Test
  void eventsTakeTheirRecordsTimestampAndRefuseTheFuture() {
    RequestDecoder events = new RequestDecoder(2, 1_000_000, TIME);
    long now = System.currentTimeMillis();
    PredictionRequest r =
        PredictionRequest.newBuilder()
            .setModelId("m")
            .setRequestId("r-1")
            .setFeatures(List.of(1f, 2f))
            .build();
    Either<DenseRequest, DeadLetter> d =
        DecoderOutput.of(events, record(WireFormat.encode(r), now));
    assertEquals(now, d.left().eventTime);
    r.setEventTime(Instant.ofEpochMilli(now + 86_400_000L));
    d = DecoderOutput.of(events, record(WireFormat.encode(r), now));
    assertTrue(d.right().getReason().startsWith("event time in the future"), d.toString());
    RequestDecoder plain = new RequestDecoder(2, 1_000_000);
    d = DecoderOutput.of(plain, record(WireFormat.encode(r), now));
    assertTrue(d.isLeft(), "the predictor's requests are not judged by time");
  }
}
