package io.streamgrad.schemas;

/**
 * A producer-supplied string (a model id, a request id, a dead letter's reason) made safe to print
 * on a terminal or in a log line: control characters (C0, DEL, C1), and the Unicode controls that
 * reorder or hide text (bidirectional overrides and isolates, zero-width joiners' neighbours used
 * for spoofing), become {@code \\uXXXX}, and a backslash becomes two, so the printed text is
 * unambiguous. An id carrying {@code ESC[2J} no longer clears the reader's screen.
 */
public final class Printable {
  private Printable() {}

  /** {@code s} as it may be printed; {@code s} itself when it needs nothing (the common case). */
  public static String escape(String s) {
    if (s == null) {
      return "null";
    }
    int n = s.length();
    int i = 0;
    while (i < n && !needsEscape(s.charAt(i))) {
      i++;
    }
    if (i == n) {
      return s;
    }
    StringBuilder b = new StringBuilder(n + 16).append(s, 0, i);
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        b.append("\\\\");
      } else if (needsEscape(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean needsEscape(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || c == '\\'
        || (c >= 0x200b && c <= 0x200f) // zero-width characters, left-to-right/right-to-left marks
        || (c >= 0x202a && c <= 0x202e) // bidirectional embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069) // bidirectional isolates
        || c == 0xfeff;
  }
}
