package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModelIdTableTest {
  private final ModelIdTable table = new ModelIdTable();

  private String intern(String id) {
    byte[] b = (id + "trailing bytes a reader's buffer may hold").getBytes(StandardCharsets.UTF_8);
    return table.intern(b, id.getBytes(StandardCharsets.UTF_8).length);
  }

  /** As many live models as the table holds, in random order: each id is one String throughout. */
  @Test
  void everyIdUpToTheCapacityStaysOneString() {
    Map<String, String> first = new HashMap<>();
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      String id = "model-" + rng.nextInt(ModelIdTable.CAPACITY / 2) + "é".repeat(rng.nextInt(0, 2));
      String read = intern(id);
      assertEquals(id, read);
      String earlier = first.putIfAbsent(id, read);
      if (earlier != null) {
        assertSame(earlier, read, id);
      }
    }
    assertEquals(ModelIdTable.CAPACITY, first.size());
  }

  /** More ids than it holds: always the right text, and a full table starts over. */
  @Test
  void moreIdsThanItHoldsAreStillReadRight() {
    String kept = intern("model-kept");
    assertSame(kept, intern("model-kept"));
    for (int i = 0; i < ModelIdTable.CAPACITY * 3; i++) {
      assertEquals("m" + i, intern("m" + i));
    }
    String again = intern("model-kept");
    assertEquals("model-kept", again);
    assertNotSame(kept, again);
    assertSame(again, intern("model-kept"));
    assertEquals("", intern(""));
  }
}
