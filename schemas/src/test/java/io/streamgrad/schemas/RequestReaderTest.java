package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.message.BadHeaderException;
import org.junit.jupiter.api.Test;

/** Requests decoded straight into DenseRequests, with the checks every reader applies. */
class RequestReaderTest {
  private final RequestReader reader = new RequestReader();

  @Test
  void readsWhatTheGeneratedClassWrites() throws Exception {
    PredictionRequest r =
        PredictionRequest.newBuilder()
            .setModelId("m")
            .setRequestId("r-1")
            .setFeatures(List.of(1f, -2.5f, 3f))
            .setEventTime(Instant.ofEpochMilli(42))
            .build();
    DenseRequest d = reader.read(WireFormat.encode(r));
    assertEquals("m", d.modelId);
    assertEquals("r-1", d.requestId);
    assertArrayEquals(new float[] {1f, -2.5f, 3f}, d.features);
    assertEquals(42L, d.eventTime);
    assertEquals(r, d.toRequest());
    assertNull(d.invalidReason(3));
    assertEquals("wrong feature count: expected 4, got 3", d.invalidReason(4));
  }

  @Test
  void aSparsePartDecodesAndTravelsBackIntoDeadLetters() throws Exception {
    PredictionRequest r =
        PredictionRequest.newBuilder()
            .setModelId("ads")
            .setRequestId("q")
            .setFeatures(List.of())
            .setIndices(List.of(7, 1 << 20))
            .setValues(List.of(0.5f, 1f))
            .setTokens(List.of("site=news", "hour=13"))
            .build();
    DenseRequest d = reader.read(WireFormat.encode(r));
    assertArrayEquals(new int[] {7, 1 << 20}, d.indices);
    assertArrayEquals(new float[] {0.5f, 1f}, d.values);
    assertArrayEquals(new String[] {"site=news", "hour=13"}, d.tokens);
    assertTrue(d.isSparse());
    assertNull(d.invalidReason(0), "a sparse part instead of dense features");
    assertEquals(r, d.toRequest(), "a dead letter carries the request as it came");
    assertEquals(
        "sparse index outside the space: 1048576 not in [0, 2^20)",
        SparseFeatures.invalidReason(d.indices, d.values, 20));
    assertEquals(
        "empty token",
        new DenseRequest("m", "r", new float[0], null)
            .withSparse(new int[0], new float[0], "")
            .invalidReason(0));
    assertEquals("empty features", new DenseRequest("m", "r", new float[0], null).invalidReason(0));
  }

  @Test
  void bytesOfTheFirstReleaseDecodeWithoutASparsePart() throws Exception {
    org.apache.avro.Schema v1 =
        new org.apache.avro.Schema.Parser()
            .parse(
                getClass()
                    .getResourceAsStream(
                        "/io/streamgrad/schemas/released/PredictionRequest-1.avsc"));
    var r = new org.apache.avro.generic.GenericData.Record(v1);
    r.put("modelId", "old");
    r.put("requestId", "q");
    r.put("features", List.of(1f, 2f));
    r.put("eventTime", null);
    byte[] bytes =
        new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1)
            .encode(r)
            .array();
    DenseRequest d = reader.read(bytes);
    assertEquals("old", d.modelId);
    assertArrayEquals(new float[] {1f, 2f}, d.features);
    assertFalse(d.isSparse());
  }

  @Test
  void refusesWhatIsNotARequest() throws Exception {
    assertThrows(BadHeaderException.class, () -> reader.read(new byte[] {1, 2, 3}));
    byte[] good =
        WireFormat.encode(
            PredictionRequest.newBuilder()
                .setModelId("m")
                .setRequestId("r")
                .setFeatures(List.of(1f))
                .build());
    byte[] longer = Arrays.copyOf(good, good.length + 2);
    assertThrows(TrailingBytesException.class, () -> reader.read(longer));
    DenseRequest nan = new DenseRequest("m", "r", new float[] {Float.NaN}, null);
    assertEquals("non-finite feature", nan.invalidReason(0));
    assertEquals(
        "empty request id", new DenseRequest("m", "", new float[] {1}, null).invalidReason(0));
    assertEquals(
        "empty model id", new DenseRequest("", "r", new float[] {1}, null).invalidReason(0));
    assertEquals(
        "request id longer than 256 characters",
        new DenseRequest("m", "x".repeat(257), new float[] {1}, null).invalidReason(0));
  }
}
