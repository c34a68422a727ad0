package io.streamgrad.jobs.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** JSON samples: read by a streaming parser into DenseSamples; every malformed one refused. */
class JsonSampleDecoderTest {
  private final JsonSampleDecoder decoder = new JsonSampleDecoder(3, 1_000_000);

  private Either<DenseSample, DeadLetter> decode(byte[] value) {
    return decode(decoder, value);
  }

  private static Either<DenseSample, DeadLetter> decode(JsonSampleDecoder decoder, byte[] value) {
    return DecoderOutput.of(decoder, new ConsumerRecord<>("samples", 1, 7L, "k".getBytes(), value));
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

  /**
   * The byte-level fast path reads exactly what Jackson reads: on records of every number form and
   * spacing, and on thousands of corrupted ones, whatever the fast path accepts Jackson reads to
   * the same sample (the rest falls through to Jackson, whose reasons are tested below).
   */
  @Test
  void fastPathReadsWhatJacksonReads() throws Exception {
    java.util.Random random = new java.util.Random(17);
    JsonSampleScanner scanner = new JsonSampleScanner(3);
    String[] numbers = {
      "0",
      "-0",
      "1",
      "-17",
      "3.25",
      "-0.5",
      "1e3",
      "1E-3",
      "2.5e+2",
      "123456789012",
      "0.1000000000000000055511151231257827",
      "3.4028235e38",
      "1.4e-45",
      "7e-46",
      "16777217",
      "0.30000001192092896",
      "-2.7182817",
      "99999999999999999999999"
    };
    String[] spaces = {"", " ", "\n", "\t ", "\r\n"};
    int wellFormedTaken = 0;
    int corruptedTaken = 0;
    for (int i = 0; i < 4000; i++) {
      String sp = spaces[random.nextInt(spaces.length)];
      StringBuilder b = new StringBuilder(sp + "{" + sp + "\"features\"" + sp + ":" + sp + "[");
      for (int f = 0; f < 3; f++) {
        b.append(f > 0 ? "," + sp : "").append(numbers[random.nextInt(numbers.length)]);
      }
      b.append("]," + sp + "\"label\":" + numbers[random.nextInt(numbers.length)]);
      b.append(", \"modelId\":" + sp + "\"m-" + random.nextInt(100) + "\"");
      if (random.nextBoolean()) {
        b.append(", \"weight\": " + numbers[random.nextInt(numbers.length)]);
      }
      if (random.nextBoolean()) {
        b.append(", \"eventTime\": " + (random.nextBoolean() ? "null" : "-1700000000123"));
      }
      byte[] record = b.append(sp + "}" + sp).toString().getBytes(StandardCharsets.UTF_8);
      if (i % 2 == 1) { // a corrupted copy: a byte changed, dropped or repeated
        int at = random.nextInt(record.length);
        byte[] bad = record.clone();
        bad[at] = (byte) " {}[],:\"-.e0159xn\\".charAt(random.nextInt(18));
        record = random.nextInt(3) == 0 ? java.util.Arrays.copyOf(bad, at) : bad;
      }
      DenseSample fast = scanner.scan(record);
      if (fast != null) {
        if (i % 2 == 0) {
          wellFormedTaken++;
        } else {
          corruptedTaken++;
        }
        assertEquals(decoder.parse(record), fast, new String(record, StandardCharsets.UTF_8));
        assertEquals(fast.eventTime, decoder.parse(record).eventTime);
      }
    }
    assertEquals(2000, wellFormedTaken, "the fast path takes every well-formed record");
    assertTrue(corruptedTaken < 1500, "and leaves most corrupted ones to Jackson");
  }

  /**
   * The fast path's float conversion (a double product rounded to float, except near half-way
   * doubles) against the JDK's correctly rounded {@link Float#parseFloat}: random floats as {@link
   * Float#toString} writes them, at any scale and of every bit pattern, doubles as {@link
   * Double#toString} writes them, random decimals of 1 to 17 digits, and every exponent.
   */
  @Test
  void fastPathRoundsEveryFloatCorrectly() {
    java.util.Random random = new java.util.Random(5);
    JsonSampleScanner scanner = new JsonSampleScanner(1);
    for (int i = 0; i < 500_000; i++) {
      String number;
      switch (i % 6) {
        case 0 -> number = Float.toString(Float.intBitsToFloat(random.nextInt() & 0x7F7FFFFF));
        // what a Java producer writes for features of any scale, and a Python one (doubles)
        case 3 ->
            number =
                Float.toString(
                    (random.nextFloat() - 0.5f) * (float) Math.pow(10, random.nextInt(12) - 4));
        case 4 -> number = Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(6)));
        // at or a few double units from the midpoint of two floats: where rounding twice errs
        case 5 -> {
          float f = (random.nextFloat() + 0.001f) * (float) Math.pow(10, random.nextInt(8) - 2);
          java.math.BigDecimal mid =
              new java.math.BigDecimal(f)
                  .add(new java.math.BigDecimal(Math.nextUp(f)))
                  .divide(java.math.BigDecimal.valueOf(2));
          number = mid.round(new java.math.MathContext(13 + random.nextInt(6))).toPlainString();
        }
        case 1 -> {
          StringBuilder b = new StringBuilder(random.nextBoolean() ? "-" : "");
          b.append(random.nextInt(10)).append('.');
          int digits = 1 + random.nextInt(17);
          for (int d = 0; d < digits; d++) {
            b.append(random.nextInt(10));
          }
          number = b.append('e').append(random.nextInt(80) - 40).toString();
        }
        default -> number = (random.nextInt(2_000_000) - 1_000_000) / 1000.0 + "";
      }
      byte[] record =
          ("{\"modelId\": \"m\", \"features\": [" + number + "], \"label\": 0}")
              .getBytes(StandardCharsets.UTF_8);
      DenseSample s = scanner.scan(record);
      assertEquals(
          Float.floatToIntBits(Float.parseFloat(number)),
          Float.floatToIntBits(s.features[0]),
          number);
    }
  }

  @Test
  void fastPathTakesWhatJsonSamplesWrites() {
    JsonSampleScanner scanner = new JsonSampleScanner(3);
    SyntheticData data = new SyntheticData(3, 2, 0.5f, 9);
    for (int i = 0; i < 100; i++) {
      Sample s = data.next();
      s.setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i));
      DenseSample read = scanner.scan(JsonSamples.encode(s));
      assertEquals(DenseSample.of(s), read);
      assertEquals(s.getEventTime().toEpochMilli(), read.eventTime);
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
  void oneKindOfFaultIsOneReasonWhateverTheBytes() {
    String nan = "non-finite number: NaN and Infinity are not JSON numbers";
    assertEquals(nan, reason("{\"modelId\": \"m\", \"features\": [NaN], \"label\": 1}"));
    assertEquals(nan, reason("{\"modelId\": \"m\", \"features\": [1, 2], \"label\": Infinity}"));
    for (String bad : List.of("{\"modelId\": \"m\" #", "{\"modelId\": \"m\" @", "{\"modelId\" ]")) {
      String r = reason(bad);
      assertEquals("not JSON: an unexpected character", r, bad);
    }
  }

  @Test
  void refusesEachKindOfBadRecordWithItsReason() {
    assertEquals("not JSON: the record ends inside a value", reason("{\"modelId\": \"m\", "));
    assertEquals("not JSON: an unrecognized token", reason("hello"));
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

  @Test
  void sparsePartsInJson() {
    assertEquals(
        "sparse features for a model without a sparse part",
        reason("{\"modelId\":\"m\",\"features\":[1,2,3],\"label\":1,\"tokens\":[\"a\"]}"));
    JsonSampleDecoder sparse = new JsonSampleDecoder(0, 1_000_000);
    sparse.withSparse(20);
    Either<DenseSample, DeadLetter> r =
        decode(
            sparse,
            "{\"modelId\":\"m\",\"label\":1,\"indices\":[5,7],\"values\":[0.5,2],\"tokens\":[\"hour=13\",\"a\"]}"
                .getBytes(StandardCharsets.UTF_8));
    assertTrue(r.isLeft(), () -> r.right().getReason());
    assertArrayEquals(new int[] {5, 7, 474732, 354738}, r.left().indices);
    assertArrayEquals(new float[] {0.5f, 2f, 1f, 1f}, r.left().values);
    assertEquals(0, r.left().features.length, "features may be left out by a sparse-only model");
    String[][] cases = {
      {"{\"modelId\":\"m\",\"label\":1,\"tokens\":[\"\"]}", "empty token"},
      {
        "{\"modelId\":\"m\",\"label\":1,\"indices\":[1],\"values\":[]}",
        "indices and values of different lengths: 1 and 0"
      },
      {
        "{\"modelId\":\"m\",\"label\":1,\"indices\":[2097152],\"values\":[1]}",
        "sparse index outside the space: 2097152 not in [0, 2^20)"
      },
      {
        "{\"modelId\":\"m\",\"label\":1,\"indices\":[1.5],\"values\":[1]}",
        "wrong type: indices must be an array of integers"
      },
      {
        "{\"modelId\":\"m\",\"label\":1,\"tokens\":[3]}",
        "wrong type: tokens must be an array of strings"
      },
      {
        "{\"modelId\":\"m\",\"label\":1,\"indices\":[1],\"values\":[1e39]}",
        "non-finite sparse value"
      },
    };
    for (String[] c : cases) {
      Either<DenseSample, DeadLetter> bad = decode(sparse, c[0].getBytes(StandardCharsets.UTF_8));
      assertTrue(bad.isRight(), c[0]);
      assertEquals(c[1], bad.right().getReason(), c[0]);
    }
  }
}
