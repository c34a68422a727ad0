package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What reaches a terminal of a producer's string: no escape sequence, nothing reordered. */
class PrintableTest {

  @Test
  void anOrdinaryIdIsReturnedAsItIs() {
    String id = "user-42/éè/模型";
    assertSame(id, Printable.escape(id));
  }

  @Test
  void escapeSequencesAndControlsArePrintedNotObeyed() {
    String hostile = "m\u001b[2J\u001b]0;owned\u0007\r\n\u009b31m";
    String printed = Printable.escape(hostile);
    assertEquals("m\\u001b[2J\\u001b]0;owned\\u0007\\u000d\\u000a\\u009b31m", printed);
    assertTrue(printed.chars().allMatch(c -> c >= 0x20 && c < 0x7f), printed);
  }

  @Test
  void textThatReordersOrHidesItselfIsShown() {
    assertEquals("a\\u202etxt.exe", Printable.escape("a\u202etxt.exe"));
    assertEquals("a\\u200bb", Printable.escape("a\u200bb"));
  }

  @Test
  void aBackslashIsDoubledSoThatAnEscapeIsUnambiguous() {
    assertEquals("a\\\\u001b", Printable.escape("a\\u001b"));
    assertEquals("null", Printable.escape(null));
  }
}
