package io.streamgrad.flink.operator;

import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Due times fired by watermarks, taken in order of (time, model, request id). A fired slot's due
 * times come as one run, sorted once (they were registered nearly in order); runs are merged by a
 * priority queue of runs, not of due times, and the run being taken from is left out of it while
 * its next due time still comes first — one model's consecutive slots never touch the queue.
 */
final class DueQueue {

  /** A due time of (model, request id). */
  record Due(long time, String key, String requestId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(time, o.time);
      if (c == 0) {
        c = key.compareTo(o.key);
      }
      return c != 0 ? c : requestId.compareTo(o.requestId);
    }
  }

  private static final class Run implements Comparable<Run> {
    final Due[] items;
    int next;

    Run(Due[] items) {
      this.items = items;
    }

    Due head() {
      return items[next];
    }

    @Override
    public int compareTo(Run o) {
      return head().compareTo(o.head());
    }
  }

  private final PriorityQueue<Run> runs = new PriorityQueue<>();
  private Run current; // taken from last, not in the queue; null when done

  /** A run of due times in any order. */
  void addAll(List<Due> items) {
    if (items.isEmpty()) {
      return;
    }
    Due[] sorted = items.toArray(new Due[0]);
    Arrays.sort(sorted);
    runs.add(new Run(sorted));
  }

  void add(Due due) {
    runs.add(new Run(new Due[] {due}));
  }

  boolean isEmpty() {
    return current == null && runs.isEmpty();
  }

  /** The first due time left, or null. */
  Due poll() {
    Run r = current;
    if (r != null) {
      Run top = runs.peek();
      if (top != null && top.head().compareTo(r.head()) < 0) {
        runs.add(r);
        r = runs.poll();
      }
    } else {
      r = runs.poll();
      if (r == null) {
        return null;
      }
    }
    Due d = r.items[r.next++];
    current = r.next < r.items.length ? r : null;
    return d;
  }
}
