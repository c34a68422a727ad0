package io.streamgrad.nn.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scale-free Page-Hinkley test on error streams with and without a change. */
class PageHinkleyTest {

  /** Absolute errors of a normal noise of sd {@code sd}. */
  private static double error(SplittableRandom r, double sd) {
    return Math.abs(r.nextGaussian() * sd);
  }

  /** The first sample index (1-based) at which the test alarms, or -1. */
  private static long firstAlarm(long seed, long n, long changeAt, double before, double after) {
    SplittableRandom r = new SplittableRandom(seed);
    PageHinkley ph = new PageHinkley(PageHinkley.Params.DEFAULT);
    for (long i = 1; i <= n; i++) {
      if (ph.add(error(r, i <= changeAt ? before : after))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void noFalseAlarmOnStationaryErrors() {
    for (long seed = 0; seed < 10; seed++) {
      assertEquals(-1, firstAlarm(seed, 200_000, Long.MAX_VALUE, 0.1, 0.1), "seed " + seed);
    }
  }

  @Test
  void findsATenfoldIncreaseWithinAFewSamplesAndADoublingWithinHundreds() {
    for (long seed = 0; seed < 10; seed++) {
      long tenfold = firstAlarm(seed, 20_000, 5_000, 0.1, 1.0);
      assertTrue(tenfold > 5_000 && tenfold <= 5_030, "tenfold, seed " + seed + ": " + tenfold);
      long doubling = firstAlarm(seed, 20_000, 5_000, 0.1, 0.2);
      assertTrue(doubling > 5_000 && doubling <= 5_300, "doubling, seed " + seed + ": " + doubling);
    }
  }

  @Test
  void scaleFree() {
    SplittableRandom a = new SplittableRandom(3);
    PageHinkley small = new PageHinkley(PageHinkley.Params.DEFAULT);
    PageHinkley large = new PageHinkley(PageHinkley.Params.DEFAULT);
    for (int i = 1; i <= 10_000; i++) {
      double e = error(a, i <= 3000 ? 1 : 4);
      assertEquals(small.add(e), large.add(e * 1024), "sample " + i);
    }
  }

  @Test
  void reportsTheErrorBeforeAndAfterAndStartsOver() {
    SplittableRandom r = new SplittableRandom(4);
    PageHinkley ph = new PageHinkley(PageHinkley.Params.DEFAULT);
    int alarms = 0;
    for (int i = 1; i <= 8000; i++) {
      if (ph.add(error(r, i <= 4000 ? 0.1 : 1.0))) {
        alarms++;
        assertEquals(0.1 * Math.sqrt(2 / Math.PI), ph.errorBefore(), 0.02);
        assertTrue(ph.errorAfter() > 3 * ph.errorBefore(), "after: " + ph.errorAfter());
      }
    }
    assertEquals(1, alarms, "one change, one alarm: the test starts over on the new level");
    PageHinkley back = new PageHinkley(PageHinkley.Params.DEFAULT);
    back.loadState(ph.state());
    assertArrayEquals(ph.state(), back.state());
  }

  @Test
  void validatesItsParameters() {
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley.Params(-1, 50, 100, 0.99));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley.Params(0.1, 0, 100, 0.99));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley.Params(0.1, 50, 0, 0.99));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley.Params(0.1, 50, 10, 1));
  }
}
