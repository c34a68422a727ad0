package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
