package io.streamgrad.online.snapshot;

import io.streamgrad.online.train.SparseRows;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.online.train.TrainerState;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.HashMap;
import java.util.Map;

/**
 * Models that start from their snapshots instead of from scratch: each snapshot is checked against
 * the trainer's model and optimizer here, so one that does not fit fails the configuration, not a
 * task manager.
 */
public final class WarmStart {
  private WarmStart() {}

  /**
   * {@code config} with warm-start states: a dense model of {@code snapshots} starts from its
   * parameters, version, samplesSeen and (when the snapshot carries it) optimizer state; a sparse
   * model of {@code sparse} from the version its snapshots rebuilt, its tables' non-zero rows
   * (their optimizer state starts fresh; FTRL's is set to give the same weights, {@code n = 0}).
   *
   * @throws IllegalArgumentException naming the model that does not fit
   */
  public static TrainerConfig apply(
      TrainerConfig config,
      Map<String, WeightSnapshot> snapshots,
      Map<String, SparseModelAssembler> sparse) {
    if (snapshots.isEmpty() && sparse.isEmpty()) {
      return config;
    }
    Map<String, TrainerState> initial = new HashMap<>();
    Map<String, SparseRows> tables = new HashMap<>();
    for (Map.Entry<String, WeightSnapshot> e : snapshots.entrySet()) {
      if (config.sparseModel()) {
        throw new IllegalArgumentException(
            "model " + e.getKey() + ": a sparse model starts from initialSparseModels");
      }
      initial.put(e.getKey(), Snapshots.toState(config, e.getValue()));
    }
    for (Map.Entry<String, SparseModelAssembler> e : sparse.entrySet()) {
      SparseModelAssembler a = e.getValue();
      if (a.model() == null) {
        throw new IllegalArgumentException(
            "model " + e.getKey() + ": its snapshots hold no full update to start from");
      }
      if (!config.model.spec(config.features).equals(a.spec())) {
        throw new IllegalArgumentException(
            "model "
                + e.getKey()
                + " was trained as "
                + a.spec()
                + ", this trainer's model is "
                + config.model.spec(config.features));
      }
      initial.put(e.getKey(), Snapshots.toState(config, a.head()));
      tables.put(e.getKey(), SparseRows.nonZero(a.model()));
    }
    return config.withInitialModels(initial, tables);
  }
}
