package io.streamgrad.flink.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.train.ModelTrainer;
import io.streamgrad.flink.train.TrainerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bounded cache: a model not used since the clock hand last passed leaves, dirty ones are
 * written first, the evicted trainer is reused, the byte budget follows growing buffers.
 */
class LiveModelsTest {
  static final TrainerConfig CONFIG =
      OnlineTrainer.builder().features(2).batchSize(64).build().config();

  final List<String> written = new ArrayList<>();
  final List<String> evicted = new ArrayList<>();

  LiveModels cache(int capacity, long maxBytes) {
    return new LiveModels(
        capacity, maxBytes, (id, t) -> written.add(id), (id, t) -> evicted.add(id));
  }

  static ModelTrainer trainer(String id) {
    return new ModelTrainer(CONFIG, id);
  }

  @Test
  void aModelUsedSinceTheHandPassedStaysAndOnlyDirtyOnesAreWritten() throws Exception {
    LiveModels cache = cache(2, 0);
    ModelTrainer a = trainer("a");
    LiveModels.Entry ea = cache.add("a", a);
    cache.add("b", trainer("b"));
    cache.markDirty(ea);
    assertSame(a, cache.get("a").trainer); // a used: a second chance
    cache.add("c", trainer("c")); // b leaves, clean: not written
    assertEquals(List.of("b"), evicted);
    assertEquals(List.of(), written);
    assertNull(cache.get("b"));
    cache.add("d", trainer("d")); // a leaves now (its chance was spent), dirty: written first
    assertEquals(List.of("b", "a"), evicted);
    assertEquals(List.of("a"), written);
    assertSame(a, cache.takeSpare(), "the evicted trainer, for reuse");
    assertNull(cache.takeSpare(), "taken once");
    assertEquals(2, cache.size());
    assertEquals(2, evicted.size());
  }

  @Test
  void flushWritesEveryDirtyModelOnceAndRemoveForgetsOne() throws Exception {
    LiveModels cache = cache(2, 0);
    LiveModels.Entry a = cache.add("a", trainer("a"));
    LiveModels.Entry b = cache.add("b", trainer("b"));
    cache.markDirty(a);
    cache.markDirty(b);
    cache.markDirty(a);
    cache.remove(b);
    assertEquals(1, cache.flush());
    assertEquals(List.of("a"), written);
    assertEquals(0, cache.flush());
    cache.add("c", trainer("c")); // the slot b left is reused: nothing evicted
    assertEquals(List.of(), evicted);
  }

  @Test
  void theByteBudgetHoldsSmallModelsAndFollowsAGrowingOne() throws Exception {
    long small = trainer("x").heapBytes();
    LiveModels cache = cache(1_000, 10 * small);
    List<LiveModels.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      entries.add(cache.add("m" + i, trainer("m" + i)));
    }
    assertEquals(10, cache.size());
    assertEquals(List.of(), evicted);
    LiveModels.Entry big = entries.get(9);
    for (int i = 0; i < 40; i++) {
      big.trainer.add(new float[] {1f, 2f}, 1f, 1f);
    }
    cache.markDirty(big);
    assertTrue(cache.bytes() > 10 * small, "the grown buffers count");
    cache.add("n", trainer("n"));
    assertTrue(evicted.size() >= 2, "more than one small model made room: " + evicted);
    assertTrue(cache.bytes() <= 10 * small, cache.bytes() + " bytes");
  }

  @Test
  void capacityMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new LiveModels(0, null, null));
  }
}
