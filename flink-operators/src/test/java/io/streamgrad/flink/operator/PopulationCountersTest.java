package io.streamgrad.flink.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamgrad.online.live.PerModelMetrics;
import io.streamgrad.online.live.RecentUpdates;
import org.junit.jupiter.api.Test;

/** Distinct models updated in the last minute; min/median/max; the per-model metrics choice. */
class PopulationCountersTest {

  @Test
  void aModelUpdatedTwiceCountsOnceAndLeavesAfterAMinute() {
    long t0 = 1_000_000_000L;
    RecentUpdates r = new RecentUpdates(t0);
    r.updated(0, t0); // model a, first update
    r.updated(0, t0 + 500); // model b
    r.updated(t0, t0 + 30_000); // a again: moves from second 0 to second 30
    assertEquals(2, r.inLastMinute(t0 + 30_000));
    assertEquals(1, r.inLastMinute(t0 + 60_500), "b's update left the window, a's did not");
    assertEquals(0, r.inLastMinute(t0 + 91_000));
  }

  @Test
  void anUpdateFromBeforeThisSubtaskStartedIsNotTakenOutTwice() {
    long t0 = 1_000_000_000L;
    RecentUpdates r = new RecentUpdates(t0);
    r.updated(0, t0);
    r.updated(t0 - 60_000, t0); // restored model, last updated before start: same bucket second
    assertEquals(2, r.inLastMinute(t0));
  }

  @Test
  void minMedianMax() {
    assertArrayEquals(
        new double[] {1, 2.5, 4}, PopulationMetrics.minMedianMax(new double[] {4, 1, 3, 2}, 4));
    assertArrayEquals(
        new double[] {5, 5, 5}, PopulationMetrics.minMedianMax(new double[] {5, 9}, 1));
    double[] none = PopulationMetrics.minMedianMax(new double[0], 0);
    assertEquals(3, none.length);
    assertEquals(Double.NaN, none[1]);
  }

  @Test
  void perModelMetricsParse() {
    assertEquals(PerModelMetrics.none(), PerModelMetrics.parse("none"));
    assertEquals(PerModelMetrics.all(), PerModelMetrics.parse(" all "));
    assertEquals(PerModelMetrics.first(7), PerModelMetrics.parse("first:7"));
    assertEquals("first:20", PerModelMetrics.DEFAULT.toString());
    PerModelMetrics three = PerModelMetrics.first(3);
    assertEquals(true, three.allowsAnother(2));
    assertEquals(false, three.allowsAnother(3));
    for (String bad : new String[] {"top:5", "first:-1", "first:", "some"}) {
      assertThrows(IllegalArgumentException.class, () -> PerModelMetrics.parse(bad), bad);
    }
  }
}
