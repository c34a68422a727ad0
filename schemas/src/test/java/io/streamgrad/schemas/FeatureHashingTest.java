package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Against scikit-learn 1.2's {@code murmurhash3_32(token, seed=0, positive=True)}. */
class FeatureHashingTest {

  @Test
  void matchesScikitLearn() {
    Object[][] cases = {
      {"", 0L, 0},
      {"a", 1009084850L, 354738},
      {"site=news.example", 1593433836L, 646892},
      {"hour=13", 3156688492L, 474732},
      {"héllo", 3164577896L, 1024104},
      {"日本", 3302619458L, 653634},
      {"user=12345678901234567890", 301095929L, 154617},
    };
    for (Object[] c : cases) {
      String token = (String) c[0];
      assertEquals((long) c[1], FeatureHashing.murmur3(token), token);
      assertEquals((int) c[2], FeatureHashing.index(token, 20), token);
      byte[] utf8 = ("xx" + token).getBytes(StandardCharsets.UTF_8);
      assertEquals((int) c[2], FeatureHashing.index(utf8, 2, utf8.length - 2, 20), token);
    }
  }

  @Test
  void stringAndBytePathsAgreeOnRandomTokens() {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int t = 0; t < 20_000; t++) {
      StringBuilder sb = new StringBuilder();
      int n = rnd.nextInt(40);
      for (int i = 0; i < n; i++) {
        sb.append(
            rnd.nextInt(10) == 0
                ? (char) (0xe0 + rnd.nextInt(200))
                : (char) (32 + rnd.nextInt(95)));
      }
      String s = sb.toString();
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      assertEquals(
          Integer.toUnsignedLong(FeatureHashing.murmur3(b, 0, b.length)),
          FeatureHashing.murmur3(s),
          s);
      assertEquals(FeatureHashing.index(s, 30), FeatureHashing.index(b, 0, b.length, 30));
    }
  }

  @Test
  void bitsAreChecked() {
    assertEquals(30, FeatureHashing.checkBits(30));
    assertThrows(IllegalArgumentException.class, () -> FeatureHashing.checkBits(31));
    assertThrows(IllegalArgumentException.class, () -> FeatureHashing.checkBits(0));
  }
}
