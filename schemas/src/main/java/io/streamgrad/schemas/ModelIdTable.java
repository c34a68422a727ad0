package io.streamgrad.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The model ids a reader has decoded, each as one {@code String}: a record's id bytes come back as
 * the same object while the id stays in the table. The keyed state, the {@code keyBy} and the live
 * models' map then find its hash already computed and compare ids by identity; a new {@code String}
 * per record made them hash and compare its bytes every time, for every record.
 *
 * <p>An open-addressing table of {@value #SLOTS} slots, emptied when {@value #CAPACITY} ids filled
 * it: a stream of up to that many live models never misses, and more models cost what no table
 * would (a new {@code String} per miss) with memory bounded. Not thread-safe.
 */
final class ModelIdTable {
  static final int SLOTS = 8192;
  static final int CAPACITY = SLOTS / 2;

  private final byte[][] bytes = new byte[SLOTS][];
  private final int[] hashes = new int[SLOTS];
  private final String[] ids = new String[SLOTS];
  private int size;

  /** The id whose UTF-8 bytes are {@code b[0, n)}. */
  String intern(byte[] b, int n) {
    int h = n;
    for (int i = 0; i < n; i++) {
      h = 31 * h + b[i];
    }
    h ^= h >>> 16;
    int mask = SLOTS - 1;
    int slot = h & mask;
    for (byte[] kept; (kept = bytes[slot]) != null; slot = (slot + 1) & mask) {
      if (hashes[slot] == h && Arrays.equals(kept, 0, kept.length, b, 0, n)) {
        return ids[slot];
      }
    }
    String id = new String(b, 0, n, StandardCharsets.UTF_8);
    if (size == CAPACITY) {
      clear();
      slot = h & mask;
    }
    bytes[slot] = Arrays.copyOf(b, n);
    hashes[slot] = h;
    ids[slot] = id;
    size++;
    return id;
  }

  private void clear() {
    Arrays.fill(bytes, null);
    Arrays.fill(ids, null);
    size = 0;
  }
}
