package io.streamgrad.online.snapshot;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.NamedTensor;
import io.streamgrad.schemas.SparseTable;
import io.streamgrad.schemas.SparseUpdate;
import io.streamgrad.schemas.WeightSnapshot;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sparse model rebuilt from its snapshots, which carry its tables by rows ({@link
 * SparseUpdate}): a full update replaces them, a delta applies on top of the version it names, and
 * a version counts once all its parts arrived (checked whole before any of it is written). Until
 * the first full update it holds no model; after a gap (a delta whose base is not the version held)
 * it keeps the version it has until the next full update. What the predictor, a warm start, {@code
 * watch} and {@code local} read sparse snapshots through.
 *
 * <p>Not thread-safe: one per model.
 */
public final class SparseModelAssembler {

  private Model model;
  private ModelSpec spec;
  private WeightSnapshot head;
  private ServedModel served;
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
    Model target;
    ModelSpec targetSpec;
    if (u.getFull()) {
      targetSpec = SnapshotModels.spec(first);
      if (targetSpec == null || !targetSpec.sparse()) {
        throw new IllegalArgumentException(
            "snapshot of model " + first.getModelId() + " has no sparse model spec");
      }
      target = targetSpec.create();
      try (Grad.Scope off = Grad.disabled()) {
        for (Tensor t : target.sparseTables()) {
          t.zero(); // a full update lists every non-zero row
        }
      }
    } else if (model == null || u.getBaseVersion() != version) {
      gaps++; // a missed record: the version held stays, until the next full update
      return false;
    } else {
      target = model;
      targetSpec = spec;
    }
    Map<String, Tensor> byName = new LinkedHashMap<>();
    for (int i = 0; i < target.parameters().size(); i++) {
      byName.put(target.parameterNames().get(i), target.parameters().get(i));
    }
    for (WeightSnapshot part : all) { // everything checked before anything is written
      for (SparseTable table : part.getSparse().getTables()) {
        check(first.getModelId(), table, byName.get(table.getName()));
      }
    }
    Standardizer standardizer = SnapshotModels.standardizer(first);
    loadDense(first, target);
    for (WeightSnapshot part : all) {
      for (SparseTable table : part.getSparse().getTables()) {
        Tensor t = byName.get(table.getName());
        float[] w = t.storage();
        int width = table.getWidth();
        IntBuffer rows =
            table.getIndices().duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        FloatBuffer v =
            table.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int k = 0; k < table.getCount(); k++) {
          v.position(k * width);
          v.get(w, rows.get(k) * width, width);
        }
        t.markModified();
      }
    }
    model = target;
    spec = targetSpec;
    version = first.getVersion();
    head = WeightSnapshot.newBuilder(first).setSparse(null).build();
    served =
        ServedModel.of(
            first.getModelId(),
            version,
            first.getTimestamp().toEpochMilli(),
            Predictor.of(spec, model, standardizer));
    return true;
  }

  private static void check(String modelId, SparseTable table, Tensor t) {
    if (t == null || t.shape()[0] != table.getRows() || t.shape()[1] != table.getWidth()) {
      throw new IllegalArgumentException(
          "table " + table.getName() + " does not fit model " + modelId);
    }
    int n = table.getCount();
    IntBuffer rows = table.getIndices().duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    if (rows.remaining() != n
        || table.getValues().remaining() != (long) n * table.getWidth() * Float.BYTES) {
      throw new IllegalArgumentException(
          "table " + table.getName() + ": " + n + " rows, but the bytes hold another count");
    }
    for (int k = 0; k < n; k++) {
      int row = rows.get(k);
      if (row < 0 || row >= table.getRows()) {
        throw new IllegalArgumentException("table " + table.getName() + ": row " + row);
      }
    }
  }

  private static void loadDense(WeightSnapshot s, Model model) {
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

  /**
   * The model at {@link #version()}, or null before the first full update. After a gap it stays at
   * the version it had until the next full update.
   */
  public Model model() {
    return model;
  }

  /**
   * The model at {@link #version()} ready to predict, or null. It shares the model, which the next
   * update changes in place: a reader on another thread takes a {@link ServedModel#copy()}.
   */
  public ServedModel served() {
    return served;
  }

  /** The spec of the model, or null before the first full update. */
  public ModelSpec spec() {
    return spec;
  }

  /**
   * The snapshot of {@link #version()} without its tables: the dense side, counts and metrics; null
   * before the first full update.
   */
  public WeightSnapshot head() {
    return head;
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
