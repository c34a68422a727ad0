package io.streamgrad.online.train;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Optimizer;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.nn.quality.QualityGate;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One model's live training state and its step: samples are copied into a {@link BatchBuffer}; when
 * a batch is to be trained on, one step runs, exactly the tutorial's loop — forward, loss, {@code
 * backward()}, optimizer step under no-grad, zero grads — guarded by a {@link DivergenceGuard},
 * scored by a {@link QualityTracker}, its sparse tables' changes tracked for checkpoints ({@link
 * SparseTables}) and snapshots ({@link SparsePublication}).
 *
 * <p>When to train (a full batch, a deadline) is the caller's: {@link FlushTrigger}. Not
 * thread-safe; one instance per model id.
 */
public final class ModelTrainer {

  private final TrainerConfig config;
  private final Model model;
  private final List<Tensor> params;
  private final Optimizer optimizer;
  private final SparseTables tables;
  private final DenseParameters dense;
  private final BatchBuffer batch;
  private final DivergenceGuard guard;
  private final QualityTracker quality;
  private final SparsePublication publication; // null without sparse tables
  private final TrainingProgress progress = new TrainingProgress();
  private final long fixedHeapBytes;
  private Predictor predictor;

  /** A fresh model for {@code modelId}, initialised deterministically from the seed and the id. */
  public ModelTrainer(TrainerConfig config, String modelId) {
    this.config = config;
    this.model =
        config.model.create(config.features, new SplittableRandom(initSeed(config.seed, modelId)));
    this.params = model.parameters();
    this.optimizer = config.optimizer.create(params);
    this.tables = SparseTables.of(params, model.sparseTables(), optimizer);
    this.dense = new DenseParameters(params, tables, optimizer);
    this.batch = new BatchBuffer(config.features, config.batchSize, !tables.isEmpty());
    this.guard = new DivergenceGuard(params, dense, tables, optimizer);
    this.quality =
        new QualityTracker(
            config.quality, config.features, config.batchSize, config.classification(), progress);
    // Objects a dense model does not need are not made: a million models each pay for them.
    this.publication = tables.isEmpty() ? null : new SparsePublication(model, tables);
    int slots = optimizer.slotNames().size();
    this.fixedHeapBytes =
        4L * dense.total() * (3 + slots)
            + 4L * tables.elements()
            + OVERHEAD_BYTES
            + quality.heapBytes(progress);
  }

  /**
   * Objects of a trainer besides its float arrays (tensors, model, optimizer, its parts, counters)
   * and its cache entry and id: measured with {@code bench memory} (a fresh 16-feature trainer held
   * 1,112 bytes, of which this is the part that does not grow with the model).
   */
  static final long OVERHEAD_BYTES = 780;

  /**
   * About what this trainer holds on the heap: its batch buffers as they are now, its parameters
   * with gradients, rollback copy and optimizer buffers, and the objects around them.
   */
  public long heapBytes() {
    return batch.heapBytes() + fixedHeapBytes;
  }

  static long initSeed(long seed, String modelId) {
    return seed ^ (modelId.hashCode() * 0x9E3779B97F4A7C15L);
  }

  // ---- feeding --------------------------------------------------------------------------------

  /**
   * Copies one sample into the batch; true when the batch is full. With standardization, the sample
   * also feeds the statistics; during the warm-up it only does that.
   */
  public boolean add(float[] x, float label, float weight) {
    if (!quality.admit(x)) {
      return false;
    }
    batch.copyDense(x);
    batch.noSparsePart();
    return batch.commit(label, weight);
  }

  /**
   * Copies one sample with a sparse part ({@code indices[0, n)} with their {@code values}) into the
   * batch; true when the batch is full. For a model with sparse tables.
   */
  public boolean add(float[] x, int[] indices, float[] values, float label, float weight) {
    if (!batch.hasSparsePart()) {
      throw new IllegalStateException("this model takes no sparse features");
    }
    if (!quality.admit(x)) {
      return false;
    }
    batch.copyDense(x);
    batch.copySparse(indices, values);
    return batch.commit(label, weight);
  }

  public int pending() {
    return batch.count();
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
    int n = batch.count();
    if (n == 0) {
      return StepResult.EMPTY;
    }
    Tensor x = quality.inputs(batch);
    Tensor out = batch.hasSparsePart() ? model.forward(x, batch.sparse()) : model.forward(x);
    float[] predicted = quality.predictionBuffer(outputs);
    if (predicted != null) {
      try (Grad.Scope noGrad = Grad.disabled()) {
        config.model.link().apply(out.detach()).copyTo(predicted, 0);
      }
    }
    if (labels != null) {
      System.arraycopy(batch.rawLabels(), 0, labels, 0, n);
    }
    Tensor loss = config.loss.compute(out, batch.labels(), batch.weights());
    float batchLoss = loss.item();
    if (!Float.isFinite(batchLoss)) {
      return reject();
    }
    (config.optimizer.perSampleLoss() ? loss.mul(n) : loss).backward();
    double norm = guard.gradNorm();
    if (!Double.isFinite(norm)) {
      return reject();
    }
    if (config.gradClipNorm > 0 && norm > config.gradClipNorm) {
      guard.scaleGrads((float) (config.gradClipNorm / norm)); // clip_grad_norm_
    }
    guard.backUp();
    optimizer.step(); // under Grad.disabled(), inside the optimizer
    optimizer.zeroGrad();
    if (!guard.updateFinite()) {
      guard.rollBack();
      progress.rejectedBatches++;
      return StepResult.REJECTED_NON_FINITE;
    }
    tables.markTouchedDirty();
    long seenBefore = progress.samplesSeen;
    progress.update(n, batchLoss, (float) norm);
    if (predicted != null) {
      quality.score(predicted, batch.rawLabels(), n, seenBefore, progress);
    }
    batch.clear();
    return StepResult.TRAINED;
  }

  private StepResult reject() {
    optimizer.zeroGrad(); // sparse gradients too
    progress.rejectedBatches++;
    return StepResult.REJECTED_NON_FINITE;
  }

  /**
   * Whether the last step detected drift; clears the flag. The caller reports it and applies the
   * configured action ({@link #resetOptimizer}, {@link #resetModel}).
   */
  public boolean takeDrift() {
    return quality.takeDrift();
  }

  /** The sample count at which drift was last detected. */
  public long driftSample() {
    return quality.driftSample();
  }

  /** The drift test (null when drift is not watched): its errors before and after the change. */
  public PageHinkley driftTest() {
    return quality.driftTest();
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
            .create(config.features, new SplittableRandom(initSeed(config.seed, modelId)))
            .parameters();
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (int i = 0; i < params.size(); i++) {
        params.get(i).copyFrom(initial.get(i));
      }
    }
    resetOptimizer(); // and every chunk dirty
  }

  /** Applies the configured drift action (after {@link #takeDrift} said so): none, or a reset. */
  public void applyDriftAction(String modelId) {
    switch (config.quality.driftAction()) {
      case RESET_OPTIMIZER -> resetOptimizer();
      case RESET_MODEL -> resetModel(modelId);
      case NONE -> {}
    }
  }

  /**
   * Whether the quality gate holds the model's next snapshot back; if so it is counted as gated.
   * Every host asks this before publishing.
   */
  public boolean heldBackByGate() {
    QualityGate gate = config.quality.gate();
    if (gate == null || gate.passes(progress.metrics())) {
      return false;
    }
    progress.gated();
    return true;
  }

  /** The input standardization (live), or null. */
  public Standardizer standardizer() {
    return quality.standardizer();
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
              config.features,
              quality.standardizer(),
              config.model.spec(config.features).hashBits());
    }
    return predictor;
  }

  /**
   * Copies pending sample {@code i}'s features (as it arrived, before any standardization) into
   * {@code x}; its label and weight into {@code labelAndWeight}.
   */
  public void pendingSample(int i, float[] x, float[] labelAndWeight) {
    batch.row(i, x, labelAndWeight);
  }

  /** Pending sample {@code i}'s sparse part as the Avro sample's lists (empty for dense models). */
  public void pendingSparse(int i, List<Integer> indices, List<Float> values) {
    batch.sparseRow(i, indices, values);
  }

  /** Drops the pending batch (after a rejection has been reported). */
  public void discardPending() {
    batch.clear();
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

  /** A self-contained copy of the state (a checkpoint's, a warm start's). */
  public TrainerState toState() {
    TrainerState s = new TrainerState();
    progress.copyTo(s);
    s.parameters = dense.values(null);
    s.optimizerStep = optimizer.stepCount();
    s.optimizerSlots = dense.slots(null); // a sparse model's tables keep theirs in their chunks
    batch.copyTo(s);
    quality.copyTo(s);
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
    if (s.parameters.length != dense.total()) {
      throw new IllegalStateException(
          "restored state has "
              + s.parameters.length
              + " parameter values, the model has "
              + dense.total()
              + ": was the feature count or the model changed?");
    }
    if (s.batchCount > config.batchSize) {
      throw new IllegalStateException(
          "restored partial batch of "
              + s.batchCount
              + " samples exceeds batch size "
              + config.batchSize);
    }
    if (!tables.isEmpty()) {
      tables.reset(initialTables(modelId));
      publication.fullNext(); // readers get a full update next
    }
    dense.load(s.parameters);
    dense.loadSlots(s.optimizerSlots);
    optimizer.setStepCount(s.optimizerStep);
    progress.copyFrom(s);
    batch.copyFrom(s);
    quality.copyFrom(s);
  }

  /** The tables' initial values for {@code modelId}, or null when they start from zeros. */
  private List<Tensor> initialTables(String modelId) {
    if (!config.model.spec(config.features).kind().equals(ModelSpec.FM)) {
      return null; // linear tables start at zero (and FTRL zeroes any start)
    }
    return config
        .model
        .create(config.features, new SplittableRandom(initSeed(config.seed, modelId)))
        .sparseTables();
  }

  // ---- sparse tables in snapshots ---------------------------------------------------------------

  /**
   * A warm start's tables ({@link SparseRows#nonZero} of a model of this spec): written over the
   * tables as they are, the optimizer's state for them made to match ({@link
   * Optimizer#weightsLoaded}); their chunks are written at the next write-back, and the next
   * snapshot is a full update.
   *
   * @throws IllegalArgumentException if a table is not this model's or has another shape
   */
  public void loadRows(SparseRows warm) {
    if (publication == null) {
      throw new IllegalArgumentException("warm start: this model has no sparse tables");
    }
    publication.load(warm);
  }

  /** The tables' rows to publish now ({@link SparseRows}); null for a model without tables. */
  public SparseRows takeSparseRows() {
    return publication == null ? null : publication.take(progress.version);
  }

  /** The dense parameters (all of them for a model without sparse tables). */
  public List<Tensor> denseParameters() {
    return dense.list();
  }

  /** The optimizer's slots of the dense parameters, slot-major (what snapshots carry). */
  public float[] denseOptimizerSlots() {
    return dense.slots(null);
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
}
