package io.streamgrad.export.triton;

import io.streamgrad.online.snapshot.ServedModel;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Decides which versions of a model that keeps training reach a {@link TritonRepository}: a version
 * newer than the repository's newest, at most one every {@code minInterval} per model (versions in
 * between are skipped, the next newer one is exported once the interval has passed). A restarted
 * updater continues from what the repository holds.
 *
 * <p>Not thread-safe: one caller.
 */
public final class RepositoryUpdater {
  private final TritonRepository repository;
  private final long minIntervalMillis;
  private final LongSupplier clock;
  private final Map<String, Long> exported = new HashMap<>();
  private final Map<String, Long> exportedAt = new HashMap<>();

  public RepositoryUpdater(TritonRepository repository, Duration minInterval, LongSupplier clock) {
    if (minInterval.isNegative()) {
      throw new IllegalArgumentException("the minimum interval must not be negative");
    }
    this.repository = repository;
    this.minIntervalMillis = minInterval.toMillis();
    this.clock = clock;
  }

  /**
   * Adds {@code model}'s version to the repository when it is due; true if it was added.
   *
   * @throws io.streamgrad.export.onnx.UnsupportedModelException when the model cannot be exported
   */
  public boolean offer(ServedModel model) throws IOException {
    return offer(model, false);
  }

  /** Adds {@code model}'s version when it is newer than the repository's, whatever the interval. */
  public boolean offerNow(ServedModel model) throws IOException {
    return offer(model, true);
  }

  private boolean offer(ServedModel model, boolean now) throws IOException {
    String id = model.modelId();
    Long last = exported.get(id);
    if (last == null) {
      OptionalLong held = repository.newestVersion(id);
      last = held.isPresent() ? held.getAsLong() : 0L;
      exported.put(id, last);
    }
    if (model.version() <= last) {
      return false;
    }
    long time = clock.getAsLong();
    Long at = exportedAt.get(id);
    if (!now && at != null && time - at < minIntervalMillis) {
      return false;
    }
    repository.add(model);
    exported.put(id, model.version());
    exportedAt.put(id, time);
    return true;
  }

  /** The repository versions go to. */
  public TritonRepository repository() {
    return repository;
  }

  /** The newest version exported (or found in the repository) of {@code modelId}; 0 if none. */
  public long exportedVersion(String modelId) {
    return exported.getOrDefault(modelId, 0L);
  }
}
