package io.streamgrad.online.live;

import java.util.Arrays;

/**
 * How many distinct models were updated in the last minute, exactly to the second and in O(1) per
 * update, without remembering the models: 60 one-second buckets count each model in the second of
 * its latest update. A model updated again leaves its previous bucket (found from its previous
 * update time) for the current one. Updates before this subtask started, whose buckets were never
 * counted, are recognised by the bucket's second and not taken out twice.
 */
public final class RecentUpdates {
  public static final int SECONDS = 60;

  private final long[] count = new long[SECONDS];
  private final long[] second = new long[SECONDS]; // the second each bucket counts
  private final long startSecond;

  public RecentUpdates(long nowMillis) {
    startSecond = nowMillis / 1000;
    Arrays.fill(second, -1);
  }

  /** A model whose previous update was at {@code previousMillis} (0: none) was updated now. */
  public void updated(long previousMillis, long nowMillis) {
    long now = nowMillis / 1000;
    if (previousMillis > 0) {
      long prev = previousMillis / 1000;
      int p = (int) (prev % SECONDS);
      if (prev >= startSecond && second[p] == prev && count[p] > 0) {
        count[p]--;
      }
    }
    int b = (int) (now % SECONDS);
    if (second[b] != now) {
      second[b] = now;
      count[b] = 0;
    }
    count[b]++;
  }

  /** Distinct models updated within the last {@link #SECONDS} seconds before {@code nowMillis}. */
  public long inLastMinute(long nowMillis) {
    long now = nowMillis / 1000;
    long sum = 0;
    for (int i = 0; i < SECONDS; i++) {
      if (second[i] > now - SECONDS && second[i] <= now) {
        sum += count[i];
      }
    }
    return sum;
  }
}
