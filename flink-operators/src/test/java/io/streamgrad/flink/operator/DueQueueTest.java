package io.streamgrad.flink.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.operator.DueQueue.Due;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DueQueueTest {

  /** Runs and single due times added between polls come out as one priority queue gives them. */
  @Test
  void takesDueTimesInOrderWhateverTheRuns() {
    for (int seed = 0; seed < 200; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      DueQueue queue = new DueQueue();
      PriorityQueue<Due> reference = new PriorityQueue<>();
      List<Due> taken = new ArrayList<>();
      List<Due> expected = new ArrayList<>();
      for (int step = 0; step < 300; step++) {
        int what = rnd.nextInt(4);
        if (what == 0) {
          List<Due> run = new ArrayList<>();
          String key = "m" + rnd.nextInt(3);
          long slot = rnd.nextInt(20) * 10L;
          for (int i = rnd.nextInt(8); i > 0; i--) {
            run.add(new Due(slot + rnd.nextInt(10), key, "r" + rnd.nextInt(50)));
          }
          queue.addAll(run);
          reference.addAll(run);
        } else if (what == 1) {
          Due d = new Due(rnd.nextInt(200), "m" + rnd.nextInt(3), "r" + rnd.nextInt(50));
          queue.add(d);
          reference.add(d);
        } else {
          taken.add(queue.poll());
          expected.add(reference.poll());
        }
        assertEquals(reference.isEmpty(), queue.isEmpty());
      }
      while (!reference.isEmpty()) {
        taken.add(queue.poll());
        expected.add(reference.poll());
      }
      assertEquals(expected, taken, "seed " + seed);
      assertTrue(queue.isEmpty());
      assertNull(queue.poll());
    }
  }
}
