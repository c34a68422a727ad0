package io.streamgrad.online.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A full batch trains at once; a partial one at its deadline, when there is one. */
class FlushTriggerTest {

  @Test
  void countAlone() {
    FlushTrigger t = FlushTrigger.countOrDelay(4, 0);
    assertFalse(t.onSample(3));
    assertTrue(t.onSample(4));
    assertEquals(0, t.deadline(1_000), "no deadline: replays stay bit-identical");
    assertEquals("batches of 4", t.explain());
  }

  @Test
  void countOrDelayFromTheConfiguration() {
    FlushTrigger t =
        FlushTrigger.of(
            TrainerConfig.builder()
                .features(1)
                .batchSize(8)
                .maxBatchDelay(Duration.ofMillis(200))
                .build());
    assertTrue(t.onSample(8));
    assertEquals(1_200, t.deadline(1_000));
    assertEquals("batches of 8 or 200 ms after the first sample", t.explain());
  }

  @Test
  void nonsenseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> FlushTrigger.countOrDelay(0, 0));
    assertThrows(IllegalArgumentException.class, () -> FlushTrigger.countOrDelay(4, -1));
  }
}
