package io.streamgrad.online.snapshot;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.OptimizerState;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.SparseRows;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.online.train.TrainerState;
import io.streamgrad.online.train.TrainingProgress;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.NamedTensor;
import io.streamgrad.schemas.OptimizerSnapshot;
import io.streamgrad.schemas.QualityMetrics;
import io.streamgrad.schemas.SparseTable;
import io.streamgrad.schemas.SparseUpdate;
import io.streamgrad.schemas.Standardization;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A trainer to a {@link WeightSnapshot} and back: what goes downstream, and what a warm start
 * restores. Parameters travel by name and shape; optimizer buffers as {@code slot/parameter}.
 */
public final class Snapshots {

  static {
    AvroTrust.install(); // a snapshot's builder validates the classes it holds
  }

  private Snapshots() {}

  /** The snapshot of {@code trainer} now; with its optimizer state when {@code withOptimizer}. */
  public static WeightSnapshot of(
      String modelId, ModelTrainer trainer, boolean withOptimizer, long timestampMillis) {
    TrainerConfig config = trainer.config();
    return of(
        modelId,
        trainer,
        withOptimizer,
        timestampMillis,
        SnapshotModels.toAvro(config.model.spec(config.features)));
  }

  /**
   * The same with the model's {@code spec} made once by the caller (it is the same for every
   * snapshot of a trainer configuration; shared, never modified).
   */
  public static WeightSnapshot of(
      String modelId,
      ModelTrainer trainer,
      boolean withOptimizer,
      long timestampMillis,
      io.streamgrad.schemas.ModelSpec spec) {
    Model model = trainer.model();
    // A sparse model's tables travel apart, by rows (publish); here, its dense parameters only.
    List<Tensor> params = trainer.denseParameters();
    List<String> names = denseNames(model, params);
    List<NamedTensor> named = new ArrayList<>(params.size());
    for (int i = 0; i < params.size(); i++) {
      named.add(namedTensor(names.get(i), params.get(i).shape(), params.get(i).toArray()));
    }
    boolean sparse = trainer.hasSparseTables();
    int biasAt = sparse ? names.indexOf("bias") : params.size() > 1 ? 1 : -1;
    Tensor first = sparse ? (names.get(0).equals("weight") ? params.get(0) : null) : params.get(0);
    float bias = biasAt >= 0 && params.get(biasAt).numel() == 1 ? params.get(biasAt).item() : 0f;
    WeightSnapshot.Builder b =
        WeightSnapshot.newBuilder()
            .setModelId(modelId)
            .setVersion(trainer.version())
            .setWeights(first == null ? List.of() : FloatLists.boxed(first.toArray()))
            .setBias(bias)
            .setParameters(named)
            .setSamplesSeen(trainer.samplesSeen())
            .setBatchLoss(trainer.lastBatchLoss())
            .setPrequentialLoss(trainer.prequentialLoss())
            .setGradNorm(trainer.lastGradNorm())
            .setLearningRate(trainer.optimizer().learningRate())
            .setOptimizer(trainer.optimizer().name())
            .setTimestamp(Instant.ofEpochMilli(timestampMillis))
            .setModelSpec(spec)
            .setStandardization(standardization(trainer.standardizer()))
            .setMetrics(metrics(trainer.progress().metrics()))
            .setDrifts(longs(trainer.progress().drifts()))
            .setGatedSnapshots(trainer.progress().gatedSnapshots());
    if (withOptimizer) {
      // The dense parameters' slots (a sparse model's tables keep theirs in checkpoints).
      List<String> slotNames = trainer.optimizer().slotNames();
      float[] flat = trainer.denseOptimizerSlots();
      List<NamedTensor> slots = new ArrayList<>();
      int off = 0;
      for (int s = 0; s < slotNames.size(); s++) {
        for (int i = 0; i < params.size(); i++) {
          int n = params.get(i).numel();
          slots.add(
              namedTensor(
                  slotNames.get(s) + "/" + names.get(i),
                  params.get(i).shape(),
                  Arrays.copyOfRange(flat, off, off + n)));
          off += n;
        }
      }
      b.setOptimizerState(
          OptimizerSnapshot.newBuilder()
              .setOptimizer(trainer.optimizer().name())
              .setStep(trainer.optimizer().stepCount())
              .setSlots(slots)
              .build());
    }
    return b.build();
  }

  /**
   * The records that publish {@code trainer} now: one snapshot for a dense model; for a sparse
   * model, its snapshot once per part of its tables' update ({@link ModelTrainer#takeSparseRows},
   * packed by {@link #sparseParts}), each record the same snapshot with one part.
   */
  public static List<WeightSnapshot> publish(
      String modelId,
      ModelTrainer trainer,
      boolean withOptimizer,
      long timestampMillis,
      io.streamgrad.schemas.ModelSpec spec) {
    WeightSnapshot snapshot = of(modelId, trainer, withOptimizer, timestampMillis, spec);
    SparseRows rows = trainer.takeSparseRows();
    if (rows == null) {
      return List.of(snapshot);
    }
    List<SparseUpdate> parts = sparseParts(rows);
    List<WeightSnapshot> out = new ArrayList<>(parts.size());
    for (SparseUpdate part : parts) {
      out.add(WeightSnapshot.newBuilder(snapshot).setSparse(part).build());
    }
    return out;
  }

  /**
   * The largest snapshot record, in bytes (single-object Avro), a trainer of {@code config} writes
   * for a model id of {@code modelIdLength} characters: what a sink's topic must take. A dense
   * model's snapshots keep their size as it learns (its metrics and standardization are filled in
   * as a fresh one's); a sparse model's records carry at most {@link #MAX_VALUES_PER_PART} table
   * values (a float and an int each) beside its dense part.
   */
  public static int largestRecordBytes(TrainerConfig config, int modelIdLength) {
    String id = "m".repeat(Math.max(1, modelIdLength));
    ModelTrainer trainer = new ModelTrainer(config, id);
    WeightSnapshot fresh = of(id, trainer, config.snapshotOptimizerState, 0L);
    // Filled-in metrics, standardization and drifts are a few hundred bytes more than empty ones.
    int bytes = WireFormat.encode(fresh).length + 1024;
    if (trainer.hasSparseTables()) {
      bytes += MAX_VALUES_PER_PART * (Float.BYTES + Integer.BYTES) + 1024;
    }
    return bytes;
  }

  /** At most this many table values in one snapshot record (~600 KB with their indices). */
  public static final int MAX_VALUES_PER_PART = 65_536;

  /** The rows as records of at most {@link #MAX_VALUES_PER_PART} values, rows packed as bytes. */
  static List<SparseUpdate> sparseParts(SparseRows r) {
    List<List<SparseTable>> parts = new ArrayList<>();
    List<SparseTable> current = new ArrayList<>();
    int inPart = 0;
    for (int t = 0; t < r.names().length; t++) {
      int[] rows = r.rows()[t];
      int width = r.shapes()[t][1];
      int from = 0;
      do {
        int room = Math.max(1, (MAX_VALUES_PER_PART - inPart) / width);
        int n = Math.min(room, rows.length - from);
        ByteBuffer idx = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        idx.asIntBuffer().put(rows, from, n);
        ByteBuffer val = ByteBuffer.allocate(4 * n * width).order(ByteOrder.LITTLE_ENDIAN);
        val.asFloatBuffer().put(r.values()[t], from * width, n * width);
        current.add(
            SparseTable.newBuilder()
                .setName(r.names()[t])
                .setRows(r.shapes()[t][0])
                .setWidth(width)
                .setCount(n)
                .setIndices(idx)
                .setValues(val)
                .build());
        inPart += n * width;
        from += n;
        if (inPart >= MAX_VALUES_PER_PART && from < rows.length) {
          parts.add(current);
          current = new ArrayList<>();
          inPart = 0;
        }
      } while (from < rows.length);
    }
    parts.add(current);
    List<SparseUpdate> out = new ArrayList<>(parts.size());
    for (int p = 0; p < parts.size(); p++) {
      out.add(
          SparseUpdate.newBuilder()
              .setFull(r.full())
              .setBaseVersion(r.baseVersion())
              .setPart(p)
              .setParts(parts.size())
              .setTables(parts.get(p))
              .build());
    }
    return out;
  }

  private static List<String> denseNames(Model model, List<Tensor> dense) {
    List<String> out = new ArrayList<>(dense.size());
    List<Tensor> all = model.parameters();
    for (Tensor t : dense) {
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i) == t) {
          out.add(model.parameterNames().get(i));
        }
      }
    }
    return out;
  }

  /**
   * The trainer state a warm start from {@code snapshot} begins with, for a trainer of {@code
   * config}. Optimizer state is restored when the snapshot carries it for the same optimizer;
   * otherwise the optimizer starts fresh (the parameters, version and counts still continue).
   *
   * @throws IllegalArgumentException if the snapshot's parameters do not fit the model
   */
  public static TrainerState toState(TrainerConfig config, WeightSnapshot snapshot) {
    String id = snapshot.getModelId();
    if (snapshot.getSparse() != null) {
      throw new IllegalArgumentException(
          "model "
              + id
              + ": a sparse model's snapshot is one update of its tables; a warm start takes the"
              + " model its updates rebuild (SparseModelAssembler, OnlineTrainer.Builder"
              + ".initialSparseModels)");
    }
    ModelTrainer fresh = new ModelTrainer(config, id);
    TrainerState s = fresh.toState();
    // A sparse model's tables come apart (ModelTrainer#loadRows); here its dense parameters.
    List<Tensor> params = fresh.denseParameters();
    List<String> names = denseNames(fresh.model(), params);
    Map<String, NamedTensor> byName = byName(snapshot.getParameters());
    int off = 0;
    for (int i = 0; i < params.size(); i++) {
      float[] values =
          values(id, "parameter", byName.get(names.get(i)), names.get(i), params.get(i).shape());
      System.arraycopy(values, 0, s.parameters, off, values.length);
      off += values.length;
    }
    TrainingProgress.of(snapshot).copyTo(s);
    s.metrics = null; // the metrics start again; the counts and the drifts continue
    Standardization z = snapshot.getStandardization();
    if ((s.standardizer != null) != (z != null)) {
      throw new IllegalArgumentException(
          "snapshot of model "
              + id
              + (z != null
                  ? " was trained on standardized features, this trainer takes raw ones"
                  : " was trained on raw features, this trainer standardizes them")
              + ": start from it with the same preprocessing");
    }
    if (z != null) {
      Standardizer restored = SnapshotModels.standardizer(snapshot); // checks it against its spec
      if (restored.features() != config.features) {
        throw new IllegalArgumentException(
            "snapshot of model "
                + id
                + " standardizes "
                + restored.features()
                + " features, the model has "
                + config.features);
      }
      s.standardizer = restored.state();
    }
    OptimizerSnapshot os = snapshot.getOptimizerState();
    OptimizerState template = fresh.optimizer().state();
    if (os != null && os.getOptimizer().equals(template.optimizer())) {
      Map<String, NamedTensor> slots = byName(os.getSlots());
      off = 0;
      for (String slot : template.slotNames()) {
        for (int i = 0; i < params.size(); i++) {
          String name = slot + "/" + names.get(i);
          float[] values =
              values(id, "optimizer slot", slots.get(name), name, params.get(i).shape());
          System.arraycopy(values, 0, s.optimizerSlots, off, values.length);
          off += values.length;
        }
      }
      s.optimizerStep = os.getStep();
    }
    return s;
  }

  /** The standardization a snapshot carries, or null. */
  static Standardization standardization(Standardizer z) {
    if (z == null) {
      return null;
    }
    List<Double> mean = new ArrayList<>(z.features());
    List<Double> m2 = new ArrayList<>(z.features());
    for (double v : z.means()) {
      mean.add(v);
    }
    for (double v : z.m2()) {
      m2.add(v);
    }
    return Standardization.newBuilder()
        .setCount(z.count())
        .setWarmup(z.warmup())
        .setMean(mean)
        .setM2(m2)
        .build();
  }

  /** The metrics a snapshot carries, or null; values that do not exist (yet) are null. */
  static QualityMetrics metrics(PrequentialMetrics m) {
    if (m == null) {
      return null;
    }
    // The all-fields constructor: a snapshot per update, and Avro's builders copy and check.
    return new QualityMetrics(
        m.samples(),
        value(m.mae(false)),
        value(m.rmse(false)),
        value(m.logLoss(false)),
        value(m.accuracy(false)),
        value(m.auc(false)),
        value(m.mae(true)),
        value(m.rmse(true)),
        value(m.logLoss(true)),
        value(m.accuracy(true)),
        value(m.auc(true)));
  }

  private static Double value(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static List<Long> longs(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  private static Map<String, NamedTensor> byName(List<NamedTensor> tensors) {
    Map<String, NamedTensor> out = new HashMap<>();
    for (NamedTensor t : tensors) {
      out.put(t.getName(), t);
    }
    return out;
  }

  private static float[] values(
      String modelId, String what, NamedTensor t, String name, int[] shape) {
    if (t == null) {
      throw new IllegalArgumentException(
          "snapshot of model " + modelId + " has no " + what + " '" + name + "'");
    }
    int[] got = t.getShape().stream().mapToInt(Integer::intValue).toArray();
    if (!Arrays.equals(got, shape)) {
      throw new IllegalArgumentException(
          "snapshot of model "
              + modelId
              + ": "
              + what
              + " '"
              + name
              + "' has shape "
              + Arrays.toString(got)
              + ", the model's is "
              + Arrays.toString(shape));
    }
    return FloatLists.unboxed(t.getValues());
  }

  static NamedTensor namedTensor(String name, int[] shape, float[] values) {
    List<Integer> s = new ArrayList<>(shape.length);
    for (int d : shape) {
      s.add(d);
    }
    return NamedTensor.newBuilder()
        .setName(name)
        .setShape(s)
        .setValues(FloatLists.boxed(values))
        .build();
  }
}
