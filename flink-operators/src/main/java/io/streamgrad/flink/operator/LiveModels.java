package io.streamgrad.flink.operator;

import io.streamgrad.flink.train.ModelTrainer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trainers a subtask keeps in memory: at most {@code capacity}, least recently used first out.
 * A trainer changed since it was last written ("dirty") is handed to the {@link WriteBack} before
 * it leaves, so keyed state always holds what an evicted model knew; the next sample of that model
 * restores it from there. The evicted trainer itself is kept as a spare, so that a restore reuses
 * its buffers instead of allocating a model per cache miss.
 *
 * <p>Not thread-safe: the operator's task thread only.
 */
final class LiveModels {

  /** Writes a trainer to keyed state under its model id. */
  interface WriteBack {
    void write(String modelId, ModelTrainer trainer) throws Exception;
  }

  /** Told of each eviction, after the write-back and before the trainer is reused. */
  interface EvictionListener {
    void evicted(String modelId, ModelTrainer trainer);
  }

  private final int capacity;
  private final WriteBack writeBack;
  private final EvictionListener onEviction;
  private final LinkedHashMap<String, ModelTrainer> byId;
  private final Set<String> dirty = new HashSet<>();
  private ModelTrainer spare;
  private String spareId;
  private long evictions;

  LiveModels(int capacity, WriteBack writeBack, EvictionListener onEviction) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.capacity = capacity;
    this.writeBack = writeBack;
    this.onEviction = onEviction;
    // Access order: get() moves an entry to the young end.
    this.byId = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true);
  }

  int capacity() {
    return capacity;
  }

  int size() {
    return byId.size();
  }

  long evictions() {
    return evictions;
  }

  /** The live trainer of {@code modelId}, or null; counts as a use. */
  ModelTrainer get(String modelId) {
    return byId.get(modelId);
  }

  /** Adds a trainer (not live before), evicting the least recently used one when full. */
  void add(String modelId, ModelTrainer trainer) throws Exception {
    byId.put(modelId, trainer);
    if (byId.size() <= capacity) {
      return;
    }
    Iterator<Map.Entry<String, ModelTrainer>> eldest = byId.entrySet().iterator();
    Map.Entry<String, ModelTrainer> e = eldest.next();
    String id = e.getKey();
    ModelTrainer evicted = e.getValue();
    if (dirty.remove(id)) {
      writeBack.write(id, evicted);
    }
    eldest.remove();
    evictions++;
    onEviction.evicted(id, evicted);
    spare = evicted;
    spareId = id;
  }

  /**
   * The trainer evicted last, for reuse by a restore that overwrites all of its state; null if
   * none. Taken once.
   */
  ModelTrainer takeSpare() {
    ModelTrainer s = spare;
    spare = null;
    spareId = null;
    return s;
  }

  /** Marks a live trainer as changed since it was last written to keyed state. */
  void markDirty(String modelId) {
    dirty.add(modelId);
  }

  /** Drops a model without writing it back (it expired, its state is cleared). */
  void remove(String modelId) {
    byId.remove(modelId);
    dirty.remove(modelId);
    if (modelId.equals(spareId)) {
      takeSpare();
    }
  }

  /** Writes every dirty trainer back; after this keyed state is exact. Returns how many. */
  int flush() throws Exception {
    int n = dirty.size();
    for (String id : dirty) {
      writeBack.write(id, byId.get(id));
    }
    dirty.clear();
    return n;
  }

  /** The live trainers, oldest use first (for aggregate metrics; do not modify). */
  Iterable<ModelTrainer> trainers() {
    return byId.values();
  }

  List<String> ids() {
    return new ArrayList<>(byId.keySet());
  }
}
