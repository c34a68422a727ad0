package io.streamgrad.online.live;

import io.streamgrad.online.train.ModelTrainer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;

/**
 * The trainers a subtask keeps in memory, at most {@code capacity} of them and, with a byte budget,
 * at most that many bytes of them ({@link ModelTrainer#heapBytes()}: a model that saw a few samples
 * is a tenth of one with full batch buffers, so the budget holds many more of them than a count
 * sized for the worst case would). Evicted in CLOCK order (second chance: an approximation of least
 * recently used that costs a flag per use instead of a relinking of list nodes, which at a million
 * models is a cache miss or three per sample). A trainer changed since it was last written
 * ("dirty") is handed to the {@link WriteBack} before it leaves, so keyed state always holds what
 * an evicted model knew; the next sample of that model restores it from there. The evicted trainer
 * itself is kept as a spare, so that a restore reuses its buffers instead of allocating a model per
 * cache miss.
 *
 * <p>Not thread-safe: the operator's task thread only.
 */
public final class LiveModels<H> {

  /** Writes a trainer, and what its host keeps beside it, to keyed state under its model id. */
  public interface WriteBack<H> {
    void write(String modelId, ModelTrainer trainer, H host) throws Exception;
  }

  /** Told of each eviction, after the write-back and before the trainer is reused. */
  public interface EvictionListener {
    void evicted(String modelId, ModelTrainer trainer);
  }

  /**
   * One live model: its trainer, what its host keeps beside it (e.g. an operator's timers), and the
   * cache's marks.
   */
  public static final class Entry<H> {
    public final String id;
    public final ModelTrainer trainer;
    public final H host;
    private boolean used; // since the clock hand last passed
    private boolean dirty;
    private boolean live = true;
    private int slot;
    private long bytes;

    Entry(String id, ModelTrainer trainer, H host) {
      this.id = id;
      this.trainer = trainer;
      this.host = host;
    }
  }

  private final int capacity;
  private final long maxBytes; // 0: no byte budget
  private long bytes;
  private final int[] freeSlots;
  private int freeCount;
  private final WriteBack<H> writeBack;
  private final EvictionListener onEviction;
  private final HashMap<String, Entry<H>> byId;
  private final Entry<H>[] clock;
  private int filled; // slots of the clock used so far
  private int hand;
  private final List<Entry<H>> dirty = new ArrayList<>();
  private ModelTrainer spare;

  public LiveModels(int capacity, WriteBack<H> writeBack, EvictionListener onEviction) {
    this(capacity, 0, writeBack, onEviction);
  }

  public LiveModels(
      int capacity, long maxBytes, WriteBack<H> writeBack, EvictionListener onEviction) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.freeSlots = new int[capacity];
    this.writeBack = writeBack;
    this.onEviction = onEviction;
    this.byId = new HashMap<>(Math.min(capacity, 1 << 16));
    @SuppressWarnings("unchecked")
    Entry<H>[] slots = (Entry<H>[]) new Entry<?>[capacity];
    this.clock = slots;
  }

  public int capacity() {
    return capacity;
  }

  public int size() {
    return byId.size();
  }

  /** Heap the live trainers take, as they estimate it. */
  public long bytes() {
    return bytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** The live entry of {@code modelId}, or null; counts as a use. */
  public Entry<H> get(String modelId) {
    Entry<H> e = byId.get(modelId);
    if (e != null) {
      e.used = true;
    }
    return e;
  }

  /** Adds a trainer (not live before), evicting as needed to stay in bounds; returns its entry. */
  public Entry<H> add(String modelId, ModelTrainer trainer, H host) throws Exception {
    Entry<H> e = new Entry<>(modelId, trainer, host);
    e.bytes = trainer.heapBytes();
    while (byId.size() >= capacity
        || (maxBytes > 0 && bytes + e.bytes > maxBytes && !byId.isEmpty())) {
      evictOne();
    }
    e.slot = freeCount > 0 ? freeSlots[--freeCount] : filled++;
    clock[e.slot] = e;
    bytes += e.bytes;
    byId.put(modelId, e);
    return e;
  }

  /** Moves the hand to an entry not used since it last passed, and evicts it. */
  private void evictOne() throws Exception {
    while (true) {
      int slot = hand;
      hand = hand + 1 == filled ? 0 : hand + 1;
      Entry<H> e = clock[slot];
      if (e == null) {
        continue;
      }
      if (e.used) {
        e.used = false;
      } else {
        evict(e);
        return;
      }
    }
  }

  private void evict(Entry<H> e) throws Exception {
    if (e.dirty) {
      writeBack.write(e.id, e.trainer, e.host);
      e.dirty = false;
    }
    release(e);
    onEviction.evicted(e.id, e.trainer);
    spare = e.trainer;
  }

  /**
   * The trainer evicted last, for reuse by a restore that overwrites all of its state; null if
   * none. Taken once.
   */
  public ModelTrainer takeSpare() {
    ModelTrainer s = spare;
    spare = null;
    return s;
  }

  private void release(Entry<H> e) {
    e.live = false;
    byId.remove(e.id);
    clock[e.slot] = null;
    freeSlots[freeCount++] = e.slot;
    bytes -= e.bytes;
  }

  /**
   * Marks a live entry as changed since it was last written to keyed state (after each sample: its
   * trainer may have grown, which the byte budget follows).
   */
  public void markDirty(Entry<H> e) {
    if (maxBytes > 0) {
      long now = e.trainer.heapBytes();
      bytes += now - e.bytes;
      e.bytes = now;
    }
    if (!e.dirty) {
      e.dirty = true;
      if (dirty.size() >= 2 * capacity) {
        // Without checkpoints nothing flushes: drop entries evicted (and written) since.
        dirty.removeIf(d -> !(d.dirty && d.live));
      }
      dirty.add(e);
    }
  }

  /** Drops a model without writing it back (it expired, its state is cleared). */
  public void remove(Entry<H> e) {
    e.dirty = false;
    release(e);
    if (spare == e.trainer) {
      spare = null;
    }
  }

  /** Writes every dirty trainer back; after this keyed state is exact. Returns how many. */
  public int flush() throws Exception {
    int n = 0;
    for (Entry<H> e : dirty) {
      if (e.dirty && e.live) {
        writeBack.write(e.id, e.trainer, e.host);
        e.dirty = false;
        n++;
      }
    }
    dirty.clear();
    return n;
  }

  /**
   * At most {@code max} live entries spread evenly over the cache (for aggregate metrics: reading a
   * million cold trainers every few seconds would cost the task thread more than the estimate is
   * worth). Every entry when there are at most {@code max}.
   */
  public List<Entry<H>> sample(int max) {
    List<Entry<H>> out = new ArrayList<>(Math.min(max, byId.size()));
    double step = Math.max(1.0, filled / (double) max);
    for (double i = 0; i < filled && out.size() < max; i += step) {
      Entry<H> e = clock[(int) i];
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }

  /** The live entries (do not modify). */
  public Collection<Entry<H>> entries() {
    return byId.values();
  }
}
