package io.streamgrad.export.triton;

import io.streamgrad.export.onnx.UnsupportedModelException;
import io.streamgrad.online.serving.SnapshotFollower;
import io.streamgrad.online.snapshot.ServedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A Triton repository kept up to date while a job trains: each pass offers every followed model's
 * newest version read from the snapshot topic to a {@link RepositoryUpdater}. The follower reads
 * only the snapshot topic, where a quality gate's held-back snapshots never are, so those are never
 * exported. A model that cannot be exported is reported once and skipped.
 */
public final class LiveRepository {

  /** What happened, for a command to print. */
  public interface Listener {
    void exported(ServedModel model, Path versionDir);

    void refused(String modelId, String why);
  }

  private final SnapshotFollower follower;
  private final RepositoryUpdater updater;
  private final Set<String> modelIds;
  private final Listener listener;
  private final Set<String> refused = new HashSet<>();
  private final TritonRepository repository;
  private long exported;

  /** Follows {@code modelIds} (every model on the topic when empty). */
  public LiveRepository(
      SnapshotFollower follower,
      RepositoryUpdater updater,
      Set<String> modelIds,
      Listener listener) {
    this.follower = follower;
    this.repository = updater.repository();
    this.updater = updater;
    this.modelIds = Set.copyOf(modelIds);
    this.listener = listener;
  }

  /**
   * Offers each model's newest version; with {@code force}, whatever the interval (a last pass).
   * Returns the versions exported.
   */
  public int pass(boolean force) throws IOException {
    int n = 0;
    for (String id : modelIds.isEmpty() ? follower.modelIds() : modelIds) {
      ServedModel m = follower.latest(id);
      if (m == null || refused.contains(id)) {
        continue;
      }
      try {
        if (force ? updater.offerNow(m) : updater.offer(m)) {
          n++;
          listener.exported(m, repository.root().resolve(TritonRepository.modelName(id)));
        }
      } catch (UnsupportedModelException e) {
        refused.add(id);
        listener.refused(id, e.getMessage());
      }
    }
    exported += n;
    return n;
  }

  /** Versions exported so far. */
  public long exported() {
    return exported;
  }

  /** Models that could not be exported. */
  public Set<String> refused() {
    return Set.copyOf(refused);
  }
}
