package io.streamgrad.online.serving;

import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The newest version of each model among snapshot records read in topic order: a dense snapshot
 * replaces an older version, a sparse model is rebuilt from its updates ({@link
 * SparseModelAssembler}) and each version it completes is kept as a copy, so a reader's {@link
 * ServedModel} never changes under it. An older or repeated version never replaces a newer one; a
 * snapshot that cannot be turned into a model (no spec, a factory class not on the class path) is
 * counted and its error kept, never kept as a model. What the {@link SnapshotFollower} serves from
 * and what an export picks its version from.
 *
 * <p>One writer ({@link #offer}); readers of {@link #latest} on any thread.
 */
public final class NewestVersions {
  private final Predicate<String> wanted;
  private final long maxVersion;
  private final Map<String, ServedModel> newest = new ConcurrentHashMap<>();
  private final Map<String, SparseModelAssembler> assemblers = new HashMap<>(); // the writer's
  private final AtomicLong refused = new AtomicLong();
  private volatile String lastRefusal;

  /** Every model's newest version. */
  public NewestVersions() {
    this(Set.of(), Long.MAX_VALUE);
  }

  /**
   * The newest version of each of {@code modelIds} (every model when empty) that is at most {@code
   * maxVersion}: later versions are ignored, so a sparse model stops at that version.
   */
  public NewestVersions(Set<String> modelIds, long maxVersion) {
    Set<String> ids = Set.copyOf(modelIds);
    this.wanted = ids.isEmpty() ? id -> true : ids::contains;
    this.maxVersion = maxVersion;
  }

  /** Keeps {@code s} when it completes a newer version of its model; true if it did. */
  public boolean offer(WeightSnapshot s) {
    String id = s.getModelId();
    if (!wanted.test(id) || s.getVersion() > maxVersion) {
      return false;
    }
    ServedModel held = newest.get(id);
    if (held != null && held.version() >= s.getVersion()) {
      return false; // a replay or an at-least-once duplicate
    }
    try {
      if (s.getSparse() != null) {
        SparseModelAssembler a = assemblers.computeIfAbsent(id, k -> new SparseModelAssembler());
        if (!a.accept(s)) {
          return false; // one part of several, or a delta after a gap
        }
        newest.put(id, a.served().copy());
        return true;
      }
      newest.put(id, ServedModel.of(s));
      return true;
    } catch (IllegalArgumentException e) {
      refused.incrementAndGet();
      lastRefusal = e.getMessage();
      return false;
    }
  }

  /** The newest version of {@code modelId} so far, or null. */
  public ServedModel latest(String modelId) {
    return newest.get(modelId);
  }

  /** The models that have a version. */
  public Set<String> modelIds() {
    return Set.copyOf(newest.keySet());
  }

  /** Snapshots that could not be turned into a model. */
  public long refused() {
    return refused.get();
  }

  /** Why the last refused snapshot was refused, or null. */
  public String lastRefusal() {
    return lastRefusal;
  }
}
