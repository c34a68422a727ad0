package io.streamgrad.jobs.format;

import java.util.Map;

/** The little JSON the CLI writes (summaries, weights), without a JSON library. */
public final class Json {
  private Json() {}

  public static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        default:
          // Controls as escapes, C1 and DEL too: JSON lines go to terminals (cat, summaries).
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    return b.append('"').toString();
  }

  public static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }

  public static String array(float[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ", ").append(number(v[i]));
    }
    return b.append(']').toString();
  }

  public static String weights(Map<String, float[]> weights) {
    StringBuilder b = new StringBuilder("{");
    weights.forEach(
        (k, v) ->
            b.append(b.length() > 1 ? ", " : "").append(string(k)).append(": ").append(array(v)));
    return b.append('}').toString();
  }

  /** {@code {"key": count, ...}} in the map's order. */
  public static String counts(java.util.Map<String, Long> counts) {
    StringBuilder b = new StringBuilder("{");
    for (java.util.Map.Entry<String, Long> e : counts.entrySet()) {
      b.append(b.length() == 1 ? "" : ", ")
          .append(string(e.getKey()))
          .append(": ")
          .append(e.getValue());
    }
    return b.append('}').toString();
  }
}
