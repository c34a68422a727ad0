package io.streamgrad.flink.train;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Optimizer;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.nn.quality.PrequentialMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One model's live training state: the model, its optimizer, and a reusable batch buffer. Samples
 * are copied straight into the buffer; when it is full (or flushed) one step runs, exactly the
 * tutorial's loop: forward, loss, {@code backward()}, optimizer step under no-grad, zero grads.
 *
 * <p>Not thread-safe; one instance per model id inside one operator subtask.
 */
public final class ModelTrainer {

  private final TrainerConfig config;
  private final Model model;
  private final List<Tensor> params;
  private final Optimizer optimizer;
  // A sparse model's tables (checkpointed by chunks) and its other, dense, parameters.
  private final SparseTables tables;
  private final List<Tensor> denseParams;
  private final int[] denseIndex;
  private final SparseBatch sparseBatch;
  private final int features;
  private final int batchSize;

  // Batch buffers, grown to a full batch on demand: a model that only ever sees a few samples
  // (one per user among millions) keeps a few rows, not a batch. Once full, tensors wrap them (no
  // copy per step).
  private float[] xBuf;
  private float[] yBuf;
  private float[] wBuf;
  private Tensor xFull;
  private Tensor yFull;
  private Tensor wFull;

  private int count;
  private final TrainingProgress progress = new TrainingProgress();
  private long batchDeadline;
  private long lastSampleMillis;
  private long expiryTimer;
  private int sourcePartition = -1;
  private final float[] paramBackup;
  private final long fixedHeapBytes;
  private long optimizerStepBackup;
  private float[] optimizerSlotBackup; // reused: a step allocates no backup
  private Predictor predictor;

  // Quality (see QualitySpec): each null when off.
  private final Standardizer standardizer;
  private float[] zBuf; // the batch standardized
  private Tensor zFull;
  private PageHinkley driftTest;
  private final boolean scores; // metrics or drift: the batch's predictions before its update
  private float[] scored; // their buffer, when the caller passes none (the operator shares one)
  private final boolean classification;
  private boolean drifted;
  private long driftSample;

  /** A fresh model for {@code modelId}, initialised deterministically from the seed and the id. */
  public ModelTrainer(TrainerConfig config, String modelId) {
    this.config = config;
    this.features = config.features;
    this.batchSize = config.batchSize;
    this.model =
        config.model.create(features, new SplittableRandom(initSeed(config.seed, modelId)));
    this.params = model.parameters();
    this.optimizer = config.optimizer.create(params);
    this.tables = SparseTables.of(params, model.sparseTables(), optimizer);
    if (tables.isEmpty()) {
      this.denseParams = params; // no copies for the million-model case
      this.denseIndex = null;
    } else {
      List<Tensor> dense = new ArrayList<>();
      int[] denseAt = new int[params.size()];
      for (int i = 0; i < params.size(); i++) {
        if (!tables.contains(params.get(i))) {
          denseAt[dense.size()] = i;
          dense.add(params.get(i));
        }
      }
      this.denseParams = List.copyOf(dense);
      this.denseIndex = Arrays.copyOf(denseAt, dense.size());
    }
    this.sparseBatch = tables.isEmpty() ? null : new SparseBatch();
    allocateRows(Math.min(batchSize, INITIAL_ROWS));
    int total = 0;
    for (Tensor p : denseParams) {
      total += p.numel();
    }
    this.paramBackup = new float[total];
    QualitySpec q = config.quality;
    this.classification = config.classification();
    this.standardizer = q.standardizes() ? new Standardizer(features, q.warmup()) : null;
    this.driftTest = q.drift() != null ? new PageHinkley(q.drift()) : null;
    this.progress.metrics = q.metrics() ? new PrequentialMetrics(classification) : null;
    this.scores = q.metrics() || driftTest != null;
    int slots = optimizer.slotNames().size();
    long qualityBytes =
        (standardizer != null ? 16L * features + 4L * features * batchSize : 0)
            + (progress.metrics != null ? 8L * progress.metrics.stateSize() : 0)
            + (driftTest != null ? 100 : 0);
    this.fixedHeapBytes =
        4L * total * (3 + slots) + 4L * tables.elements() + OVERHEAD_BYTES + qualityBytes;
  }

  /**
   * Objects of a trainer besides its float arrays (tensors, model, optimizer, counters) and its
   * cache entry and id: measured with {@code bench --memory}.
   */
  static final long OVERHEAD_BYTES = 700;

  /**
   * About what this trainer holds on the heap: its batch buffers as they are now, its parameters
   * with gradients, rollback copy and optimizer buffers, and the objects around them.
   */
  public long heapBytes() {
    return 4L * yBuf.length * (features + 2) + fixedHeapBytes;
  }

  /** Rows a new trainer's batch buffers start with; they double up to the batch size. */
  static final int INITIAL_ROWS = 2;

  private void allocateRows(int rows) {
    float[] x = new float[rows * features];
    float[] y = new float[rows];
    float[] w = new float[rows];
    if (xBuf != null) {
      System.arraycopy(xBuf, 0, x, 0, count * features);
      System.arraycopy(yBuf, 0, y, 0, count);
      System.arraycopy(wBuf, 0, w, 0, count);
    }
    xBuf = x;
    yBuf = y;
    wBuf = w;
    if (rows == batchSize) {
      xFull = Tensor.wrap(xBuf, batchSize, features);
      yFull = Tensor.wrap(yBuf, batchSize);
      wFull = Tensor.wrap(wBuf, batchSize);
    }
  }

  private void ensureRows(int rows) {
    if (yBuf.length < rows) {
      allocateRows(Math.min(batchSize, Math.max(rows, 2 * yBuf.length)));
    }
  }

  static long initSeed(long seed, String modelId) {
    return seed ^ (modelId.hashCode() * 0x9E3779B97F4A7C15L);
  }

  // ---- feeding --------------------------------------------------------------------------------

  private boolean commit(float label, float weight) {
    yBuf[count] = label;
    wBuf[count] = weight;
    count++;
    return count == batchSize;
  }

  /**
   * Copies one sample into the batch; true when the batch is full. With standardization, the sample
   * also feeds the statistics; during the warm-up it only does that.
   */
  public boolean add(float[] x, float label, float weight) {
    if (!admit(x)) {
      return false;
    }
    if (sparseBatch != null) {
      sparseBatch.endRow(); // no sparse part
    }
    return commit(label, weight);
  }

  /**
   * Feeds the standardization and copies the dense part into the batch; false while the
   * standardization warms up (the sample is not trained on).
   */
  private boolean admit(float[] x) {
    if (standardizer != null) {
      boolean warm = standardizer.ready();
      standardizer.observe(x, 0);
      if (!warm) {
        return false;
      }
    }
    if (count == yBuf.length) {
      ensureRows(count + 1);
    }
    System.arraycopy(x, 0, xBuf, count * features, features);
    return true;
  }

  /**
   * Copies one sample with a sparse part ({@code indices[0, n)} with their {@code values}) into the
   * batch; true when the batch is full. For a model with sparse tables.
   */
  public boolean add(float[] x, int[] indices, float[] values, float label, float weight) {
    if (sparseBatch == null) {
      throw new IllegalStateException("this model takes no sparse features");
    }
    if (!admit(x)) {
      return false;
    }
    sparseBatch.addRow(indices, values, 0, indices.length);
    return commit(label, weight);
  }

  public int pending() {
    return count;
  }

  // ---- training -------------------------------------------------------------------------------

  /** What {@link #step()} did with the pending batch. */
  public enum StepResult {
    /** Nothing was pending. */
    EMPTY,
    /** One update was applied. */
    TRAINED,
    /**
     * The loss, a gradient or an updated parameter was not finite: the model keeps its last good
     * state and the batch stays pending, for {@link #pendingSample} and {@link #discardPending}.
     */
    REJECTED_NON_FINITE
  }

  /**
   * Trains on the buffered samples (a full or partial batch). A step that would make the model
   * non-finite is rolled back instead (the divergence guard): parameters and optimizer state are
   * restored, nothing counts as trained.
   */
  public StepResult step() {
    return step(null, null);
  }

  /**
   * The same, also copying what the model predicted for the batch before the update (its outputs
   * with the link applied, as a {@link Predictor} gives them) into {@code outputs} and the batch's
   * labels into {@code labels} when they are not null: test-then-train predictions at no extra
   * forward pass. They are valid when the step returns {@link StepResult#TRAINED}.
   */
  public StepResult step(float[] outputs, float[] labels) {
    int n = count;
    if (n == 0) {
      return StepResult.EMPTY;
    }
    Tensor x = xFull;
    Tensor y = yFull;
    Tensor w = wFull;
    if (standardizer != null) {
      x = standardized(n);
    } else if (n < batchSize) { // partial batch: rare, so a copy is fine
      x = Tensor.wrap(Arrays.copyOf(xBuf, n * features), n, features);
    }
    if (n < batchSize) {
      y = Tensor.wrap(Arrays.copyOf(yBuf, n), n);
      w = Tensor.wrap(Arrays.copyOf(wBuf, n), n);
    }
    Tensor out = sparseBatch == null ? model.forward(x) : model.forward(x, sparseBatch);
    float[] predicted = outputs;
    if (predicted == null && scores) {
      if (scored == null) {
        scored = new float[batchSize];
      }
      predicted = scored;
    }
    if (predicted != null) {
      try (Grad.Scope noGrad = Grad.disabled()) {
        config.model.link().apply(out.detach()).copyTo(predicted, 0);
      }
    }
    if (labels != null) {
      System.arraycopy(yBuf, 0, labels, 0, n);
    }
    Tensor loss = config.loss.compute(out, y, w);
    float batchLoss = loss.item();
    if (!Float.isFinite(batchLoss)) {
      return reject();
    }
    (config.optimizer.perSampleLoss() ? loss.mul(n) : loss).backward();
    double norm = gradNorm();
    if (!Double.isFinite(norm)) {
      return reject();
    }
    if (config.gradClipNorm > 0 && norm > config.gradClipNorm) {
      scaleGrads((float) (config.gradClipNorm / norm)); // clip_grad_norm_
    }
    backUp();
    optimizer.step(); // under Grad.disabled(), inside the optimizer
    optimizer.zeroGrad();
    if (!parametersFinite()) {
      restoreBackup();
      progress.rejectedBatches++;
      return StepResult.REJECTED_NON_FINITE;
    }
    tables.markTouchedDirty();
    long seenBefore = progress.samplesSeen;
    progress.update(n, batchLoss, (float) norm);
    if (predicted != null) {
      score(predicted, n, seenBefore);
    }
    count = 0;
    batchDeadline = 0;
    if (sparseBatch != null) {
      sparseBatch.clear();
    }
    return StepResult.TRAINED;
  }

  /** The pending rows standardized with the statistics as they are now. */
  private Tensor standardized(int n) {
    if (zBuf == null) {
      zBuf = new float[batchSize * features];
      zFull = Tensor.wrap(zBuf, batchSize, features);
    }
    standardizer.applyRows(xBuf, n, zBuf);
    return n == batchSize ? zFull : Tensor.wrap(Arrays.copyOf(zBuf, n * features), n, features);
  }

  /** Test-then-train: the batch's predictions before its update into the metrics and drift test. */
  private void score(float[] predicted, int n, long seenBefore) {
    PrequentialMetrics metrics = progress.metrics;
    if (metrics != null) {
      metrics.add(predicted, yBuf, n);
    }
    if (driftTest != null) {
      for (int i = 0; i < n; i++) {
        if (driftTest.add(PrequentialMetrics.error(classification, predicted[i], yBuf[i]))) {
          drifted = true;
          driftSample = seenBefore + i + 1;
          progress.driftAt(driftSample);
        }
      }
    }
  }

  /**
   * Whether the last step detected drift; clears the flag. The operator reports it and applies the
   * configured action ({@link #resetOptimizer}, {@link #resetModel}).
   */
  public boolean takeDrift() {
    boolean d = drifted;
    drifted = false;
    return d;
  }

  /** The sample count at which drift was last detected. */
  public long driftSample() {
    return driftSample;
  }

  /** The drift test (null when drift is not watched): its errors before and after the change. */
  public PageHinkley driftTest() {
    return driftTest;
  }

  /** Drift action: the optimizer starts afresh (moments, accumulators and step count). */
  public void resetOptimizer() {
    optimizer.loadState(config.optimizer.create(params).state());
    tables.markAllDirty();
  }

  /**
   * Drift action: the model's parameters start afresh from {@code modelId}'s initial values, and
   * its optimizer too. Version, counts, metrics and standardization continue.
   */
  public void resetModel(String modelId) {
    List<Tensor> initial =
        config
            .model
            .create(features, new SplittableRandom(initSeed(config.seed, modelId)))
            .parameters();
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (int i = 0; i < params.size(); i++) {
        params.get(i).copyFrom(initial.get(i));
      }
    }
    resetOptimizer(); // and every chunk dirty
  }

  /** The input standardization (live), or null. */
  public Standardizer standardizer() {
    return standardizer;
  }

  private StepResult reject() {
    optimizer.zeroGrad(); // sparse gradients too
    progress.rejectedBatches++;
    return StepResult.REJECTED_NON_FINITE;
  }

  private double gradNorm() {
    double sq = 0;
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (Tensor p : params) {
        Tensor g = p.grad();
        if (g != null) {
          double norm = g.norm().item();
          sq += norm * norm;
        }
      }
    }
    return Math.sqrt(sq + tables.gradSquares());
  }

  private void scaleGrads(float factor) {
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (Tensor p : params) {
        if (p.grad() != null) {
          p.grad().mulInPlace(factor);
        }
      }
    }
    tables.scaleGrads(factor);
  }

  private boolean parametersFinite() {
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (Tensor p : denseParams) {
        if (!Float.isFinite(p.norm().item())) {
          return false;
        }
      }
    }
    return tables.touchedFinite(); // a table's other rows did not change
  }

  /** Parameters and optimizer state before a step, for the divergence guard's rollback. */
  private void backUp() {
    int off = 0;
    for (Tensor p : denseParams) {
      p.copyTo(paramBackup, off);
      off += p.numel();
    }
    // Not state(), which would copy a sparse model's tables whole: the dense parameters' slots,
    // and the rows of the tables this step touches.
    optimizerStepBackup = optimizer.stepCount();
    optimizerSlotBackup = denseSlots(optimizerSlotBackup);
    tables.backUp();
  }

  private void restoreBackup() {
    try (Grad.Scope noGrad = Grad.disabled()) {
      int off = 0;
      for (Tensor p : denseParams) {
        p.copyFrom(Tensor.wrap(Arrays.copyOfRange(paramBackup, off, off + p.numel()), p.shape()));
        off += p.numel();
      }
    }
    loadDenseSlots(optimizerSlotBackup);
    optimizer.setStepCount(optimizerStepBackup);
    tables.restore();
  }

  /**
   * The optimizer's slots of the dense parameters, slot-major then parameter order (what {@code
   * state()} gives for a dense model), into {@code into} when it has the size.
   */
  private float[] denseSlots(float[] into) {
    int slots = optimizer.slotNames().size();
    int total = 0;
    for (Tensor p : denseParams) {
      total += p.numel();
    }
    float[] out = into != null && into.length == slots * total ? into : new float[slots * total];
    int off = 0;
    for (int s = 0; s < slots; s++) {
      for (int i = 0; i < denseParams.size(); i++) {
        int n = denseParams.get(i).numel();
        optimizer.readSlot(s, denseIndex(i), 0, n, out, off);
        off += n;
      }
    }
    return out;
  }

  /** Dense parameter {@code i}'s index among all parameters. */
  private int denseIndex(int i) {
    return denseIndex == null ? i : denseIndex[i];
  }

  private void loadDenseSlots(float[] flat) {
    int slots = optimizer.slotNames().size();
    int off = 0;
    for (int s = 0; s < slots; s++) {
      for (int i = 0; i < denseParams.size(); i++) {
        int n = denseParams.get(i).numel();
        if (off + n > flat.length) {
          throw new IllegalStateException(
              "restored optimizer state has " + flat.length + " values, too few for the model");
        }
        optimizer.writeSlot(s, denseIndex(i), 0, n, flat, off);
        off += n;
      }
    }
    if (off != flat.length) {
      throw new IllegalStateException(
          "restored optimizer state has " + flat.length + " values, expected " + off);
    }
  }

  /**
   * Predictions of the model as it is now (one forward pass under no-grad, its link applied): how a
   * request is answered by the live model. Built on first use; shares the model's parameters.
   */
  public Predictor predictor() {
    if (predictor == null) {
      predictor =
          new Predictor(
              model,
              config.model.link(),
              features,
              standardizer,
              config.model.spec(features).hashBits());
    }
    return predictor;
  }

  /**
   * Copies pending sample {@code i}'s features (as it arrived, before any standardization) into
   * {@code x}; its label and weight into {@code labelAndWeight}.
   */
  public void pendingSample(int i, float[] x, float[] labelAndWeight) {
    System.arraycopy(xBuf, i * features, x, 0, features);
    labelAndWeight[0] = yBuf[i];
    labelAndWeight[1] = wBuf[i];
  }

  /** Pending sample {@code i}'s sparse part as the Avro sample's lists (empty for dense models). */
  public void pendingSparse(int i, List<Integer> indices, List<Float> values) {
    if (sparseBatch == null) {
      return;
    }
    for (int k = sparseBatch.offset(i); k < sparseBatch.offset(i + 1); k++) {
      indices.add(sparseBatch.indices()[k]);
      values.add(sparseBatch.values()[k]);
    }
  }

  /** Drops the pending batch (after a rejection has been reported). */
  public void discardPending() {
    count = 0;
    batchDeadline = 0;
    if (sparseBatch != null) {
      sparseBatch.clear();
    }
  }

  /** Steps the divergence guard refused since this model started. */
  public long rejectedBatches() {
    return progress.rejectedBatches;
  }

  // ---- progress -------------------------------------------------------------------------------

  public long version() {
    return progress.version;
  }

  public long samplesSeen() {
    return progress.samplesSeen;
  }

  /** Mean over all samples trained on of their batch's loss before its update. */
  public double prequentialLoss() {
    return progress.prequentialLoss();
  }

  /** The live progress counters (read by metrics; change with every update). */
  public TrainingProgress progress() {
    return progress;
  }

  /** Stamps the last update with the processing time {@code millis}. */
  public void markUpdated(long millis) {
    progress.lastUpdateMillis = millis;
  }

  public long lastSampleMillis() {
    return lastSampleMillis;
  }

  public void setLastSampleMillis(long millis) {
    this.lastSampleMillis = millis;
  }

  /**
   * Notes that a sample came from Kafka partition {@code partition} (-1: unknown); false when the
   * model's samples came from another partition before, which breaks their order.
   */
  public boolean fromPartition(int partition) {
    if (partition < 0 || partition == sourcePartition) {
      return true;
    }
    if (sourcePartition < 0) {
      sourcePartition = partition;
      return true;
    }
    return false;
  }

  /** The partition the model's samples come from (-1: not known). */
  public int sourcePartition() {
    return sourcePartition;
  }

  public long expiryTimer() {
    return expiryTimer;
  }

  public void setExpiryTimer(long timestamp) {
    this.expiryTimer = timestamp;
  }

  public float lastBatchLoss() {
    return progress.lastBatchLoss;
  }

  public float lastGradNorm() {
    return progress.lastGradNorm;
  }

  public long lastEmittedVersion() {
    return progress.lastEmittedVersion;
  }

  public void markEmitted() {
    progress.lastEmittedVersion = progress.version;
  }

  public long batchDeadline() {
    return batchDeadline;
  }

  public void setBatchDeadline(long deadline) {
    this.batchDeadline = deadline;
  }

  public Model model() {
    return model;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  public TrainerConfig config() {
    return config;
  }

  // ---- state ----------------------------------------------------------------------------------

  /** A self-contained copy of the state, for Flink's keyed state. */
  public TrainerState toState() {
    TrainerState s = new TrainerState();
    progress.copyTo(s);
    s.parameters = concat(denseParams);
    s.optimizerStep = optimizer.stepCount();
    s.optimizerSlots = denseSlots(null); // a sparse model's tables keep theirs in their chunks
    if (!tables.isEmpty()) {
      s.batchSparseOffsets = Arrays.copyOf(sparseBatch.offsets(), count + 1);
      int nnz = sparseBatch.nnz();
      s.batchSparseIndices = Arrays.copyOf(sparseBatch.indices(), nnz);
      s.batchSparseValues = Arrays.copyOf(sparseBatch.values(), nnz);
    }
    s.batchCount = count;
    s.batchFeatures = Arrays.copyOf(xBuf, count * features);
    s.batchLabels = Arrays.copyOf(yBuf, count);
    s.batchWeights = Arrays.copyOf(wBuf, count);
    s.batchDeadline = batchDeadline;
    s.lastSampleMillis = lastSampleMillis;
    s.expiryTimer = expiryTimer;
    s.sourcePartition = sourcePartition;
    s.standardizer = standardizer != null ? standardizer.state() : null;
    s.driftTest = driftTest != null ? driftTest.state() : null;
    return s;
  }

  /**
   * Restores a state taken by {@link #toState()} from a trainer with the same configuration. A
   * model with sparse tables needs {@link #restore(TrainerState, String)}.
   */
  public void restore(TrainerState s) {
    if (!tables.isEmpty()) {
      throw new IllegalStateException("a model with sparse tables is restored with its id");
    }
    restore(s, null);
  }

  /**
   * Restores a state taken by {@link #toState()}; a model with sparse tables starts them from
   * {@code modelId}'s initial values, and {@link #loadChunk} then loads what its chunks hold.
   */
  public void restore(TrainerState s, String modelId) {
    int total = 0;
    for (Tensor p : denseParams) {
      total += p.numel();
    }
    if (s.parameters.length != total) {
      throw new IllegalStateException(
          "restored state has "
              + s.parameters.length
              + " parameter values, the model has "
              + total
              + ": was the feature count or the model changed?");
    }
    if (s.batchCount > batchSize) {
      throw new IllegalStateException(
          "restored partial batch of " + s.batchCount + " samples exceeds batch size " + batchSize);
    }
    if (!tables.isEmpty()) {
      tables.reset(initialTables(modelId));
      lastPublishedVersion = -1; // readers get a full update next
    }
    try (Grad.Scope noGrad = Grad.disabled()) {
      int off = 0;
      for (Tensor p : denseParams) {
        float[] v = Arrays.copyOfRange(s.parameters, off, off + p.numel());
        p.copyFrom(Tensor.wrap(v, p.shape()));
        off += p.numel();
      }
    }
    loadDenseSlots(s.optimizerSlots);
    optimizer.setStepCount(s.optimizerStep);
    if (!tables.isEmpty()) {
      sparseBatch.clear();
      for (int r = 0; r < s.batchCount; r++) {
        int from = s.batchSparseOffsets[r];
        sparseBatch.addRow(
            s.batchSparseIndices, s.batchSparseValues, from, s.batchSparseOffsets[r + 1] - from);
      }
    }
    progress.copyFrom(s);
    count = 0;
    ensureRows(s.batchCount);
    count = s.batchCount;
    System.arraycopy(s.batchFeatures, 0, xBuf, 0, count * features);
    System.arraycopy(s.batchLabels, 0, yBuf, 0, count);
    System.arraycopy(s.batchWeights, 0, wBuf, 0, count);
    batchDeadline = s.batchDeadline;
    lastSampleMillis = s.lastSampleMillis;
    expiryTimer = s.expiryTimer;
    sourcePartition = s.sourcePartition;
    if (standardizer != null) {
      standardizer.loadState(
          s.standardizer != null ? s.standardizer : new double[1 + 2 * features]);
    }
    if (driftTest != null) {
      driftTest = new PageHinkley(config.quality.drift());
      if (s.driftTest != null) {
        driftTest.loadState(s.driftTest);
      }
    }
    drifted = false;
  }

  /** The tables' initial values for {@code modelId}, or null when they start from zeros. */
  private List<Tensor> initialTables(String modelId) {
    if (!config.model.spec(features).kind().equals(io.streamgrad.nn.ModelSpec.FM)) {
      return null; // linear tables start at zero (and FTRL zeroes any start)
    }
    return config
        .model
        .create(features, new SplittableRandom(initSeed(config.seed, modelId)))
        .sparseTables();
  }

  // ---- sparse tables in snapshots ---------------------------------------------------------------

  /** A full update every this many published snapshots; the others are deltas. */
  public static final int FULL_UPDATE_EVERY = 100;

  private long lastPublishedVersion = -1; // not in state: after a restore, a full update first
  private int publishedSinceFull;

  /**
   * What a snapshot publishes of the sparse tables now: every non-zero row ({@code full}) first and
   * every {@link #FULL_UPDATE_EVERY} publications, otherwise the rows changed since the last
   * publication (of version {@code baseVersion}); per table its name, shape, rows (ascending) and
   * their values.
   */
  public record SparseRows(
      boolean full,
      long baseVersion,
      String[] names,
      int[][] shapes,
      int[][] rows,
      float[][] values)
      implements java.io.Serializable {

    /** Every non-zero row of {@code model}'s sparse tables (a warm start's). */
    public static SparseRows nonZero(Model model) {
      List<Tensor> tables = model.sparseTables();
      int n = tables.size();
      String[] names = new String[n];
      int[][] shapes = new int[n][];
      int[][] rows = new int[n][];
      float[][] values = new float[n][];
      for (int t = 0; t < n; t++) {
        Tensor table = tables.get(t);
        names[t] = model.parameterNames().get(model.parameters().indexOf(table));
        shapes[t] = table.shape();
        rows[t] = SparseTables.nonZeroRows(table);
        values[t] = SparseTables.rowValues(table, rows[t]);
      }
      return new SparseRows(true, -1, names, shapes, rows, values);
    }
  }

  /**
   * A warm start's tables ({@link SparseRows#nonZero} of a model of this spec): written over the
   * tables as they are, the optimizer's state for them made to match ({@link
   * io.streamgrad.autograd.optim.Optimizer#weightsLoaded}); their chunks are written at the next
   * write-back, and the next snapshot is a full update.
   *
   * @throws IllegalArgumentException if a table is not this model's or has another shape
   */
  public void loadRows(SparseRows warm) {
    for (int i = 0; i < warm.names().length; i++) {
      int p = model.parameterNames().indexOf(warm.names()[i]);
      int t = -1;
      for (int k = 0; k < tables.tableCount(); k++) {
        if (tables.paramIndex(k) == p) {
          t = k;
        }
      }
      if (t < 0 || !Arrays.equals(tables.shape(t), warm.shapes()[i])) {
        throw new IllegalArgumentException(
            "warm start: table "
                + warm.names()[i]
                + " "
                + Arrays.toString(warm.shapes()[i])
                + " does not fit this model");
      }
      tables.loadRows(t, warm.rows()[i], warm.values()[i]);
    }
    lastPublishedVersion = -1;
  }

  /** The tables' rows to publish now ({@link SparseRows}); null for a model without tables. */
  public SparseRows takeSparseRows() {
    if (tables.isEmpty()) {
      return null;
    }
    boolean full = lastPublishedVersion < 0 || publishedSinceFull >= FULL_UPDATE_EVERY;
    int n = tables.tableCount();
    String[] names = new String[n];
    int[][] shapes = new int[n][];
    int[][] rows = new int[n][];
    float[][] values = new float[n][];
    for (int t = 0; t < n; t++) {
      names[t] = model.parameterNames().get(tables.paramIndex(t));
      shapes[t] = tables.shape(t);
      rows[t] = tables.takeRows(t, full);
      values[t] = tables.rowValues(t, rows[t]);
    }
    SparseRows out =
        new SparseRows(full, full ? -1 : lastPublishedVersion, names, shapes, rows, values);
    lastPublishedVersion = progress.version;
    publishedSinceFull = full ? 1 : publishedSinceFull + 1;
    return out;
  }

  /** The dense parameters (all of them for a model without sparse tables). */
  public List<Tensor> denseParameters() {
    return denseParams;
  }

  /** The optimizer's slots of the dense parameters, slot-major (what snapshots carry). */
  public float[] denseOptimizerSlots() {
    return denseSlots(null);
  }

  // ---- sparse tables by chunks ------------------------------------------------------------------

  /** Whether the model has sparse tables, kept by chunks beside {@link #toState()}. */
  public boolean hasSparseTables() {
    return !tables.isEmpty();
  }

  /** Chunks over all tables. */
  public int chunkCount() {
    return tables.totalChunks();
  }

  /** The chunks changed since the last call (the ones a write-back must write). */
  public int[] takeDirtyChunks() {
    return tables.takeDirty();
  }

  /** A chunk's weights and optimizer slots, a new array. */
  public float[] chunk(int id) {
    return tables.chunk(id);
  }

  /** Loads a chunk written by {@link #chunk}, after {@link #restore(TrainerState, String)}. */
  public void loadChunk(int id, float[] data) {
    tables.loadChunk(id, data);
  }

  private static float[] concat(List<Tensor> tensors) {
    int total = 0;
    for (Tensor t : tensors) {
      total += t.numel();
    }
    float[] out = new float[total];
    int off = 0;
    for (Tensor t : tensors) {
      t.copyTo(out, off);
      off += t.numel();
    }
    return out;
  }
}
