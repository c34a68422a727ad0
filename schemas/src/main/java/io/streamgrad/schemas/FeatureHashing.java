package io.streamgrad.schemas;

import java.nio.charset.StandardCharsets;

/**
 * The hashing trick's published rule, so that a producer in any language computes the same indices:
 * a token's index is the unsigned 32-bit MurmurHash3 (x86_32, seed 0) of its UTF-8 bytes, modulo
 * {@code 2^bits}. In Python: {@code sklearn.utils.murmurhash3_32(token, seed=0, positive=True) %
 * 2**bits}; in Go: {@code murmur3.Sum32([]byte(token)) % (1 << bits)}.
 */
public final class FeatureHashing {

  /** The default index space: 2^20 coordinates. */
  public static final int DEFAULT_BITS = 20;

  /** The largest index space: 2^30 coordinates. */
  public static final int MAX_BITS = 30;

  private FeatureHashing() {}

  /** Checks a {@code --hash-bits} value. */
  public static int checkBits(int bits) {
    if (bits < 1 || bits > MAX_BITS) {
      throw new IllegalArgumentException(
          "hash bits must be between 1 and " + MAX_BITS + ", got " + bits);
    }
    return bits;
  }

  /** The index of {@code token} in a space of {@code 2^bits}. */
  public static int index(String token, int bits) {
    return (int) (murmur3(token) & ((1L << bits) - 1));
  }

  /**
   * The index of the UTF-8 token {@code bytes[from, from + length)} in a space of {@code 2^bits}.
   */
  public static int index(byte[] bytes, int from, int length, int bits) {
    return (int) (Integer.toUnsignedLong(murmur3(bytes, from, length)) & ((1L << bits) - 1));
  }

  /** The unsigned MurmurHash3 x86_32 of the token's UTF-8 bytes, seed 0. */
  public static long murmur3(String token) {
    int n = token.length();
    for (int i = 0; i < n; i++) {
      if (token.charAt(i) >= 0x80) {
        byte[] utf8 = token.getBytes(StandardCharsets.UTF_8);
        return Integer.toUnsignedLong(murmur3(utf8, 0, utf8.length));
      }
    }
    // ASCII: a char is its UTF-8 byte, no array needed.
    int h = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      int k =
          token.charAt(i)
              | token.charAt(i + 1) << 8
              | token.charAt(i + 2) << 16
              | token.charAt(i + 3) << 24;
      h = mixH(h, mixK(k));
    }
    int k = 0;
    switch (n - i) {
      case 3:
        k ^= token.charAt(i + 2) << 16;
      // fall through
      case 2:
        k ^= token.charAt(i + 1) << 8;
      // fall through
      case 1:
        k ^= token.charAt(i);
        h ^= mixK(k);
      // fall through
      default:
    }
    return Integer.toUnsignedLong(fmix(h ^ n));
  }

  /** MurmurHash3 x86_32 of {@code bytes[from, from + length)}, seed 0, as a signed int. */
  public static int murmur3(byte[] bytes, int from, int length) {
    int h = 0;
    int i = from;
    int end = from + length;
    for (; i + 4 <= end; i += 4) {
      int k =
          (bytes[i] & 0xff)
              | (bytes[i + 1] & 0xff) << 8
              | (bytes[i + 2] & 0xff) << 16
              | (bytes[i + 3] & 0xff) << 24;
      h = mixH(h, mixK(k));
    }
    int k = 0;
    switch (end - i) {
      case 3:
        k ^= (bytes[i + 2] & 0xff) << 16;
      // fall through
      case 2:
        k ^= (bytes[i + 1] & 0xff) << 8;
      // fall through
      case 1:
        k ^= bytes[i] & 0xff;
        h ^= mixK(k);
      // fall through
      default:
    }
    return fmix(h ^ length);
  }

  private static int mixK(int k) {
    k *= 0xcc9e2d51;
    k = Integer.rotateLeft(k, 15);
    return k * 0x1b873593;
  }

  private static int mixH(int h, int k) {
    h ^= k;
    h = Integer.rotateLeft(h, 13);
    return h * 5 + 0xe6546b64;
  }

  private static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }
}
