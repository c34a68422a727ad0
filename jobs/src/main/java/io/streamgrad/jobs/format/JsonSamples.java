package io.streamgrad.jobs.format;

import io.streamgrad.schemas.Sample;
import java.nio.charset.StandardCharsets;

/**
 * Samples as JSON, what {@link JsonSampleDecoder} reads: {@code {"modelId": "m1", "features": [..],
 * "label": 1.5, "weight": 1.0}} (and {@code eventTime} when set). Floats are written with {@link
 * Float#toString}, which reads back to the same float.
 */
public final class JsonSamples {
  private JsonSamples() {}

  public static byte[] encode(Sample s) {
    StringBuilder b = new StringBuilder(32 + 12 * s.getFeatures().size());
    b.append("{\"modelId\": \"");
    escape(s.getModelId(), b);
    b.append("\", \"features\": [");
    for (int i = 0; i < s.getFeatures().size(); i++) {
      if (i > 0) {
        b.append(", ");
      }
      b.append(s.getFeatures().get(i).floatValue());
    }
    b.append("], \"label\": ").append(s.getLabel()).append(", \"weight\": ").append(s.getWeight());
    if (s.getEventTime() != null) {
      b.append(", \"eventTime\": ").append(s.getEventTime().toEpochMilli());
    }
    return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void escape(String s, StringBuilder b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
  }
}
