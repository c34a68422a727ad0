package io.streamgrad.online.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.TrainerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bounded cache: a model not used since the clock hand last passed leaves, dirty ones are
 * written first, the evicted trainer is reused, the byte budget follows growing buffers.
 */
class LiveModelsTest {
  static final TrainerConfig CONFIG = TrainerConfig.builder().features(2).batchSize(64).build();

  final List<String> written = new ArrayList<>();
  final List<String> evicted = new ArrayList<>();

  LiveModels<Void> cache(int capacity, long maxBytes) {
    return new LiveModels<Void>(
        capacity, maxBytes, (id, t, host) -> written.add(id), (id, t) -> evicted.add(id));
  }

  static ModelTrainer trainer(String id) {
    return new ModelTrainer(CONFIG, id);
  }

  @Test
  void aModelUsedSinceTheHandPassedStaysAndOnlyDirtyOnesAreWritten() throws Exception {
    LiveModels<Void> cache = cache(2, 0);
    ModelTrainer a = trainer("a");
    LiveModels.Entry<Void> ea = cache.add("a", a, null);
    cache.add("b", trainer("b"), null);
    cache.markDirty(ea);
    assertSame(a, cache.get("a").trainer); // a used: a second chance
    cache.add("c", trainer("c"), null); // b leaves, clean: not written
    assertEquals(List.of("b"), evicted);
    assertEquals(List.of(), written);
    assertNull(cache.get("b"));
    cache.add("d", trainer("d"), null); // a leaves now (its chance was spent), dirty: written first
    assertEquals(List.of("b", "a"), evicted);
    assertEquals(List.of("a"), written);
    assertSame(a, cache.takeSpare(), "the evicted trainer, for reuse");
    assertNull(cache.takeSpare(), "taken once");
    assertEquals(2, cache.size());
    assertEquals(2, evicted.size());
  }

  @Test
  void flushWritesEveryDirtyModelOnceAndRemoveForgetsOne() throws Exception {
    LiveModels<Void> cache = cache(2, 0);
    LiveModels.Entry<Void> a = cache.add("a", trainer("a"), null);
    LiveModels.Entry<Void> b = cache.add("b", trainer("b"), null);
    cache.markDirty(a);
    cache.markDirty(b);
    cache.markDirty(a);
    cache.remove(b);
    assertEquals(1, cache.flush());
    assertEquals(List.of("a"), written);
    assertEquals(0, cache.flush());
    cache.add("c", trainer("c"), null); // the slot b left is reused: nothing evicted
    assertEquals(List.of(), evicted);
  }

  @Test
  void theByteBudgetHoldsSmallModelsAndFollowsAGrowingOne() throws Exception {
    long small = trainer("x").heapBytes();
    LiveModels<Void> cache = cache(1_000, 10 * small);
    List<LiveModels.Entry<Void>> entries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      entries.add(cache.add("m" + i, trainer("m" + i), null));
    }
    assertEquals(10, cache.size());
    assertEquals(List.of(), evicted);
    LiveModels.Entry<Void> big = entries.get(9);
    for (int i = 0; i < 40; i++) {
      big.trainer.add(new float[] {1f, 2f}, 1f, 1f);
    }
    cache.markDirty(big);
    assertTrue(cache.bytes() > 10 * small, "the grown buffers count");
    cache.add("n", trainer("n"), null);
    assertTrue(evicted.size() >= 2, "more than one small model made room: " + evicted);
    assertTrue(cache.bytes() <= 10 * small, cache.bytes() + " bytes");
  }

  @Test
  void capacityMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new LiveModels<Void>(0, null, null));
  }
}
