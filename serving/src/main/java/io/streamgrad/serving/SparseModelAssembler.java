package io.streamgrad.serving;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.NamedTensor;
import io.streamgrad.schemas.SparseTable;
import io.streamgrad.schemas.SparseUpdate;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sparse model rebuilt from its snapshots, which carry its tables by rows ({@link
 * SparseUpdate}): a full update replaces them, a delta applies on top of the version it names, and
 * a version counts once all its parts arrived. Until the first full update (or after a gap: a delta
 * whose base is not the version held) it holds no model. What the predictor, a warm start and
 * {@code watch} read sparse snapshots through.
 *
 * <p>Not thread-safe: one per model.
 */
public final class SparseModelAssembler {

  private Model model;
  private long version = -1;
  private long pendingVersion = -1;
  private WeightSnapshot[] parts = new WeightSnapshot[0];
  private int received;
  private long gaps;

  /**
   * Takes one record of the model's snapshots; true when it completed a version and the model is
   * now at it.
   *
   * @throws IllegalArgumentException for a snapshot without a sparse part or a model spec
   */
  public boolean accept(WeightSnapshot snapshot) {
    SparseUpdate update = snapshot.getSparse();
    if (update == null) {
      throw new IllegalArgumentException(
          "snapshot of model " + snapshot.getModelId() + " has no sparse part");
    }
    if (snapshot.getVersion() != pendingVersion || parts.length != update.getParts()) {
      pendingVersion = snapshot.getVersion();
      parts = new WeightSnapshot[update.getParts()];
      received = 0;
    }
    int p = update.getPart();
    if (p < 0 || p >= parts.length) {
      throw new IllegalArgumentException("part " + p + " of " + parts.length);
    }
    if (parts[p] == null) {
      received++;
    }
    parts[p] = snapshot;
    if (received < parts.length) {
      return false;
    }
    boolean applied = apply(parts);
    pendingVersion = -1;
    parts = new WeightSnapshot[0];
    received = 0;
    return applied;
  }

  private boolean apply(WeightSnapshot[] all) {
    WeightSnapshot first = all[0];
    SparseUpdate u = first.getSparse();
    if (u.getFull()) {
      ModelSpec spec = SnapshotModels.spec(first);
      if (spec == null || !spec.sparse()) {
        throw new IllegalArgumentException(
            "snapshot of model " + first.getModelId() + " has no sparse model spec");
      }
      model = spec.create();
      try (Grad.Scope off = Grad.disabled()) {
        for (Tensor t : model.sparseTables()) {
          t.zero(); // a full update lists every non-zero row
        }
      }
    } else if (model == null || u.getBaseVersion() != version) {
      gaps++;
      model = null; // a gap: nothing valid until the next full update
      version = -1;
      return false;
    }
    loadDense(first);
    Map<String, Tensor> byName = new LinkedHashMap<>();
    for (int i = 0; i < model.parameters().size(); i++) {
      byName.put(model.parameterNames().get(i), model.parameters().get(i));
    }
    for (WeightSnapshot part : all) {
      for (SparseTable table : part.getSparse().getTables()) {
        Tensor t = byName.get(table.getName());
        if (t == null || t.shape()[0] != table.getRows() || t.shape()[1] != table.getWidth()) {
          throw new IllegalArgumentException(
              "table " + table.getName() + " does not fit model " + first.getModelId());
        }
        float[] w = t.storage();
        int width = table.getWidth();
        int n = table.getCount();
        java.nio.IntBuffer rows =
            table.getIndices().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        java.nio.FloatBuffer v =
            table.getValues().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        if (rows.remaining() != n || v.remaining() != n * width) {
          throw new IllegalArgumentException(
              "table " + table.getName() + ": " + n + " rows, but the bytes hold another count");
        }
        for (int k = 0; k < n; k++) {
          int row = rows.get(k);
          if (row < 0 || row >= table.getRows()) {
            throw new IllegalArgumentException("table " + table.getName() + ": row " + row);
          }
          v.position(k * width);
          v.get(w, row * width, width);
        }
        t.markModified();
      }
    }
    version = first.getVersion();
    return true;
  }

  private void loadDense(WeightSnapshot s) {
    try (Grad.Scope off = Grad.disabled()) {
      for (NamedTensor t : s.getParameters()) {
        int i = model.parameterNames().indexOf(t.getName());
        if (i < 0) {
          throw new IllegalArgumentException("unexpected parameter " + t.getName());
        }
        Tensor p = model.parameters().get(i);
        int[] shape = t.getShape().stream().mapToInt(Integer::intValue).toArray();
        if (!Arrays.equals(shape, p.shape())) {
          throw new IllegalArgumentException("size mismatch for " + t.getName());
        }
        p.copyFrom(Tensor.wrap(FloatLists.unboxed(t.getValues()), shape));
      }
    }
  }

  /** The model at {@link #version()}, or null before a full update (or after a gap). */
  public Model model() {
    return model;
  }

  /** The version the model is at, or -1. */
  public long version() {
    return version;
  }

  /** Deltas that did not apply to the version held (a missed record): each waits for a full. */
  public long gaps() {
    return gaps;
  }
}
