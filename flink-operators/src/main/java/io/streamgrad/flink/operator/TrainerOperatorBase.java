package io.streamgrad.flink.operator;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.nn.Predictor;
import io.streamgrad.online.live.LiveModels;
import io.streamgrad.online.serving.Predictions;
import io.streamgrad.online.serving.SparseRequests;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.FlushTrigger;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.SparseRows;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.online.train.TrainerState;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Printable;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.accumulators.IntMaximum;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed training operator's work, whatever its inputs ({@link OnlineTrainerOperator}: samples;
 * {@link ServingTrainerOperator}: samples and prediction requests): per model id, buffers samples
 * into a mini-batch and runs one autograd step per batch, emitting a {@link WeightSnapshot} every
 * {@code snapshotEvery} updates and a final one at end of input (or when an idle model expires).
 *
 * <p>Models live in keyed state; the recently used ones also in a bounded per-subtask cache of
 * trainers ({@link LiveModels}), so that a sample costs a hash lookup and a copy into the batch
 * buffer. A trainer evicted from the cache is written back first if it changed; every trainer
 * changed since the last checkpoint is written in {@link #prepareSnapshotPreBarrier} (the pattern
 * of Flink's mini-batch operators). Keyed state is therefore exact at every checkpoint barrier, and
 * rescaling redistributes models like any keyed state. Memory grows with the cache's bound, not
 * with the number of models: with RocksDB the rest stays on disk.
 */
public abstract class TrainerOperatorBase extends AbstractStreamOperator<WeightSnapshot>
    implements Triggerable<String, VoidNamespace> {

  private static final long serialVersionUID = 1L;

  /** Dead-letter reason of the samples of a step the divergence guard refused. */
  public static final String NON_FINITE_UPDATE = "non-finite update";

  private static final Logger LOG = LoggerFactory.getLogger(TrainerOperatorBase.class);

  /** Name of the keyed state holding each model's {@link TrainerState}. */
  public static final String STATE_NAME = "streamgrad-trainer";

  /**
   * The accumulator ({@link IntMaximum}) of the operator's attempt number: how often the job
   * restarted, for the CLI's report (metrics start over with each attempt, this one is the count).
   */
  public static final String ATTEMPT_ACCUMULATOR = "streamgrad.attempt";

  /** The keyed map state of a sparse model's table chunks. */
  public static final String CHUNKS_STATE_NAME = "streamgrad-sparse-chunks";

  private final TrainerConfig config;
  private final ModelLifecycle lifecycle;
  private final OutputTag<DeadLetter> rejectedTag;
  private final OutputTag<Prediction> predictionsTag;
  private final boolean prequentialPredictions;

  private transient ValueState<TrainerState> state;

  /**
   * A sparse model's tables by chunk (chunk id to weights and optimizer slots): only the chunks a
   * model changed are written, so with RocksDB's incremental checkpoints a checkpoint grows with
   * the coordinates touched since the last one, not with the model's size.
   */
  private transient MapState<Integer, float[]> chunks;

  private transient boolean restored;
  private transient InternalTimerService<VoidNamespace> batchTimers;
  private transient InternalTimerService<VoidNamespace> expiryTimers;
  private transient LiveModels<ModelTimers> live;
  private transient FlushTrigger trigger;
  private transient Counter divergenceRejections;
  private transient DeadLetterMetrics deadLetters;
  private transient PopulationMetrics population;
  private transient Map<String, ModelMetrics> modelMetrics;
  private transient io.streamgrad.schemas.ModelSpec modelSpec; // the same in every snapshot

  private transient boolean scoring;
  private transient float[] preqOutputs;
  private transient float[] preqLabels;
  private transient Counter requestsAnswered;
  private transient Counter samplesFromAnotherPartition;
  private transient Counter driftsDetected;
  private transient Counter gatedSnapshots;
  private transient Set<String> partitionWarnings;

  /**
   * With {@code prequentialPredictions}, every trained batch also emits, to {@code predictionsTag},
   * what the model predicted for each of its samples before training on them.
   */
  protected TrainerOperatorBase(
      TrainerConfig config,
      ModelLifecycle lifecycle,
      OutputTag<DeadLetter> rejectedTag,
      OutputTag<Prediction> predictionsTag,
      boolean prequentialPredictions) {
    if (prequentialPredictions && predictionsTag == null) {
      throw new IllegalArgumentException("prequential predictions need an output for predictions");
    }
    this.config = config;
    this.lifecycle = lifecycle;
    this.rejectedTag = rejectedTag;
    this.predictionsTag = predictionsTag;
    this.prequentialPredictions = prequentialPredictions;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    AvroTrust.install(); // on the task manager, before any Sample is decoded
    super.initializeState(context);
    restored = context.isRestored();
    state =
        context
            .getKeyedStateStore()
            .getState(
                new ValueStateDescriptor<>(STATE_NAME, TypeInformation.of(TrainerState.class)));
    if (config.sparseModel()) {
      chunks =
          context
              .getKeyedStateStore()
              .getMapState(
                  new MapStateDescriptor<>(
                      CHUNKS_STATE_NAME,
                      BasicTypeInfo.INT_TYPE_INFO,
                      PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    getRuntimeContext()
        .addAccumulator(
            ATTEMPT_ACCUMULATOR,
            new IntMaximum(getRuntimeContext().getTaskInfo().getAttemptNumber()));
    int slots = ModelLifecycle.taskSlots(this);
    int capacity = lifecycle.capacity();
    long budget = lifecycle.byteBudget(Runtime.getRuntime().maxMemory(), slots);
    live = new LiveModels<>(capacity, budget, this::writeBack, this::evicted);
    trigger = FlushTrigger.of(config);
    batchTimers =
        getInternalTimerService("streamgrad-batch-delay", VoidNamespaceSerializer.INSTANCE, this);
    if (lifecycle.modelTtlMillis > 0) {
      expiryTimers =
          getInternalTimerService(
              "streamgrad-model-ttl", VoidNamespaceSerializer.INSTANCE, new Expiry());
    }
    divergenceRejections = getMetricGroup().counter("divergenceGuardRejections");
    requestsAnswered = getMetricGroup().counter("requestsAnswered");
    samplesFromAnotherPartition = getMetricGroup().counter("samplesFromAnotherPartition");
    driftsDetected = getMetricGroup().counter("driftsDetected");
    gatedSnapshots = getMetricGroup().counter("gatedSnapshots");
    partitionWarnings = new HashSet<>();
    // One buffer for every model's scores (test-then-train), not one per live trainer.
    scoring = prequentialPredictions || config.quality.metrics() || config.quality.drift() != null;
    preqOutputs = new float[config.batchSize];
    if (prequentialPredictions) {
      preqLabels = new float[config.batchSize];
    }
    deadLetters = new DeadLetterMetrics(getMetricGroup());
    modelMetrics = new HashMap<>();
    modelSpec = SnapshotModels.toAvro(config.model.spec(config.features));
    long now = now();
    population = new PopulationMetrics(getMetricGroup(), now);
    if (restored) {
      population.setInState(storedModelIds().size());
    }
    population.refresh(live, now);
    getProcessingTimeService()
        .scheduleWithFixedDelay(
            t -> population.refresh(live, t),
            PopulationMetrics.REFRESH_MILLIS,
            PopulationMetrics.REFRESH_MILLIS);
    LOG.info(
        "trainer subtask {}: at most {} live models{} ({}), {} task slot(s) on this task manager",
        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
        capacity,
        budget > 0 ? " in " + (budget >> 20) + " MB of heap" : "",
        lifecycle,
        slots);
  }

  /** A labeled sample of the current key: into its model's batch, trained when it is full. */
  protected final void processSample(StreamRecord<DenseSample> element) throws Exception {
    DenseSample sample = element.getValue();
    float[] x = sample.features;
    if (x.length != config.features) {
      reject(
          sample.toSample(),
          "wrong feature count: expected " + config.features + ", got " + x.length);
      return;
    }
    String key = (String) getCurrentKey();
    LiveModels.Entry<ModelTimers> entry = entry(key);
    ModelTrainer trainer = entry.trainer;
    ModelTimers timers = entry.host;
    if (!timers.fromPartition(sample.partition)) {
      otherPartition(key, timers.sourcePartition, sample.partition);
    }
    boolean wasEmpty = trainer.pending() == 0;
    if (expiryTimers != null) {
      long now = now();
      timers.lastSampleMillis = now;
      if (timers.expiryTimer == 0) {
        scheduleExpiry(timers, now + lifecycle.modelTtlMillis);
      }
    }
    if (sample.isSparse()) {
      trainer.add(x, sample.indices, sample.values, sample.label, sample.weight);
    } else {
      trainer.add(x, sample.label, sample.weight);
    }
    if (trigger.onSample(trainer.pending())) {
      trainAndMaybeEmit(key, entry);
    } else if (wasEmpty && trainer.pending() > 0) {
      long deadline = trigger.deadline(now());
      if (deadline > 0) {
        timers.batchDeadline = deadline;
        batchTimers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, deadline);
      }
    }
    live.markDirty(entry); // after the sample: the batch buffer may have grown
  }

  /** A partial batch's deadline. */
  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    String key = timer.getKey();
    LiveModels.Entry<ModelTimers> entry = existingEntry(key);
    // A batch that filled up before its deadline leaves a stale timer behind: ignore it.
    if (entry != null
        && entry.trainer.pending() > 0
        && entry.host.batchDeadline != 0
        && entry.host.batchDeadline <= timer.getTimestamp()) {
      live.markDirty(entry);
      trainAndMaybeEmit(key, entry);
    }
  }

  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}

  /** Idle-model expiry: one timer per model at a time, moved on when the model was used since. */
  private final class Expiry implements Triggerable<String, VoidNamespace> {
    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
      String key = timer.getKey();
      LiveModels.Entry<ModelTimers> entry = existingEntry(key);
      if (entry == null || entry.host.expiryTimer != timer.getTimestamp()) {
        return; // expired already, or a timer this model no longer waits for
      }
      long due = entry.host.lastSampleMillis + lifecycle.modelTtlMillis;
      if (due > timer.getTimestamp()) {
        scheduleExpiry(entry.host, due);
        live.markDirty(entry);
      } else {
        expire(entry);
      }
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}
  }

  private void scheduleExpiry(ModelTimers timers, long at) {
    expiryTimers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, at);
    timers.expiryTimer = at;
  }

  /**
   * Drops an idle model from state: its partial batch is trained first and its final snapshot
   * emitted, so no sample and no update is lost. A later sample starts the model afresh (from its
   * warm-start snapshot, if the job has one for it).
   */
  private void expire(LiveModels.Entry<ModelTimers> entry) throws Exception {
    String key = entry.id;
    ModelTrainer trainer = entry.trainer;
    if (trainer.pending() > 0) {
      step(key, entry);
    }
    if (trainer.version() > trainer.lastEmittedVersion()) {
      emit(key, entry);
    }
    if (entry.host.batchDeadline != 0) {
      batchTimers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, entry.host.batchDeadline);
    }
    state.clear();
    if (chunks != null) {
      chunks.clear();
    }
    live.remove(entry);
    detachMetrics(key, trainer);
    population.expired.inc();
    population.addInState(-1);
  }

  /**
   * The end of the samples: every partial batch is trained and every model's last state emitted.
   */
  protected final void endOfSamples() throws Exception {
    // Every model of this subtask, live or only in state (without writing the live ones first:
    // they are written once, below); sorted for a deterministic emission order.
    Set<String> ids = new HashSet<>(storedModelIds());
    for (LiveModels.Entry<ModelTimers> e : live.entries()) {
      ids.add(e.id);
    }
    List<String> ordered = new ArrayList<>(ids);
    ids = null;
    ordered.sort(null);
    for (String key : ordered) {
      setCurrentKey(key);
      LiveModels.Entry<ModelTimers> entry = entry(key);
      ModelTrainer trainer = entry.trainer;
      if (trainer.pending() > 0) {
        step(key, entry);
        live.markDirty(entry);
      }
      if (trainer.version() > trainer.lastEmittedVersion()) {
        emit(key, entry);
        live.markDirty(entry);
      }
    }
    // Not written to state here: a checkpoint after the end of input (Flink's final one) writes
    // the changed models first, like any other; a job without checkpoints never needs them.
    population.refresh(live, now());
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    long start = System.nanoTime();
    int written = live.flush();
    population.checkpointWrite(written, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Also flushed here (before Flink snapshots the keyed backend), whatever path took the snapshot.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    live.flush();
    super.snapshotState(context);
  }

  private List<String> storedModelIds() throws Exception {
    try (Stream<String> stored =
        this.<String>getKeyedStateBackend().getKeys(STATE_NAME, VoidNamespace.INSTANCE)) {
      return stored.collect(Collectors.toList());
    }
  }

  private void writeBack(String key, ModelTrainer trainer, ModelTimers timers) throws Exception {
    Object current = getCurrentKey();
    setCurrentKey(key);
    TrainerState s = trainer.toState();
    timers.copyTo(s);
    state.update(s);
    if (chunks != null) {
      for (int id : trainer.takeDirtyChunks()) {
        chunks.put(id, trainer.chunk(id));
      }
    }
    if (current != null) {
      setCurrentKey(current);
    }
  }

  /** The live model of the current key, restored from keyed state or created on first use. */
  private LiveModels.Entry<ModelTimers> entry(String key) throws Exception {
    LiveModels.Entry<ModelTimers> entry = live.get(key);
    return entry != null ? entry : load(key, state.value());
  }

  /** The live model of the current key if it exists (live or in state); null otherwise. */
  private LiveModels.Entry<ModelTimers> existingEntry(String key) throws Exception {
    LiveModels.Entry<ModelTimers> entry = live.get(key);
    if (entry != null) {
      return entry;
    }
    TrainerState stored = state.value();
    return stored == null ? null : load(key, stored);
  }

  private LiveModels.Entry<ModelTimers> load(String key, TrainerState stored) throws Exception {
    boolean fresh = stored == null;
    if (stored != null) {
      population.restoredFromState.inc();
    } else {
      population.created.inc();
      population.addInState(1);
      stored = config.initialModels.get(key); // warm start, only for a model without state
    }
    ModelTrainer trainer;
    if (stored == null) {
      trainer = new ModelTrainer(config, key); // its initialisation depends on the id
    } else {
      ModelTrainer spare = live.takeSpare();
      trainer = spare != null ? spare : new ModelTrainer(config, key);
      if (chunks == null) {
        trainer.restore(stored); // overwrites all of a reused trainer's state
      } else {
        trainer.restore(stored, key);
        for (Map.Entry<Integer, float[]> c : chunks.entries()) {
          trainer.loadChunk(c.getKey(), c.getValue());
        }
        SparseRows warm = fresh ? config.initialTables.get(key) : null;
        if (warm != null) {
          trainer.loadRows(warm);
        }
      }
    }
    LiveModels.Entry<ModelTimers> entry = live.add(key, trainer, ModelTimers.from(stored));
    ModelMetrics m = modelMetrics.get(key);
    if (m != null) {
      m.bind(trainer.progress());
    } else if (lifecycle.perModelMetrics.allowsAnother(modelMetrics.size())) {
      modelMetrics.put(key, new ModelMetrics(getMetricGroup(), key, trainer.progress()));
    }
    return entry;
  }

  private void evicted(String key, ModelTrainer trainer) {
    population.evictions.inc();
    detachMetrics(key, trainer);
  }

  /** A model's metrics keep showing its last values once its trainer is gone or reused. */
  private void detachMetrics(String key, ModelTrainer trainer) {
    ModelMetrics m = modelMetrics.get(key);
    if (m != null) {
      m.bind(trainer.progress().copy());
    }
  }

  private long now() {
    return getProcessingTimeService().getCurrentProcessingTime();
  }

  private void trainAndMaybeEmit(String key, LiveModels.Entry<ModelTimers> entry) throws Exception {
    ModelTrainer trainer = entry.trainer;
    if (step(key, entry) && trainer.version() % config.snapshotEvery == 0) {
      emit(key, entry);
    }
  }

  /** One step; a batch the divergence guard refuses goes, sample by sample, to the dead letters. */
  private boolean step(String key, LiveModels.Entry<ModelTimers> entry) throws Exception {
    ModelTrainer trainer = entry.trainer;
    entry.host.batchDeadline = 0; // trained or refused: no batch pending either way
    long previousUpdate = trainer.progress().lastUpdateMillis();
    long previousVersion = trainer.version();
    long previousSeen = trainer.samplesSeen();
    int n0 = trainer.pending();
    ModelTrainer.StepResult result =
        trainer.step(scoring ? preqOutputs : null, preqLabels); // labels: prequential predictions
    if (result == ModelTrainer.StepResult.TRAINED) {
      long now = now();
      trainer.markUpdated(now);
      population.updated(previousUpdate, now);
      if (trainer.takeDrift()) {
        drift(key, trainer, now);
      }
      if (prequentialPredictions) {
        for (int i = 0; i < n0; i++) {
          output.collect(
              predictionsTag,
              new StreamRecord<>(
                  Predictions.prequential(
                      key,
                      previousSeen + i + 1,
                      preqOutputs[i],
                      preqLabels[i],
                      previousVersion,
                      previousUpdate)));
        }
      }
      return true;
    }
    if (result == ModelTrainer.StepResult.EMPTY) {
      return false;
    }
    int n = trainer.pending();
    LOG.warn(
        "divergence guard: model {} kept its last good state (version {}); {} samples go to dead letters as '{}'",
        Printable.escape(key),
        trainer.version(),
        n,
        NON_FINITE_UPDATE);
    divergenceRejections.inc();
    float[] x = new float[config.features];
    float[] labelAndWeight = new float[2];
    for (int i = 0; i < n; i++) {
      trainer.pendingSample(i, x, labelAndWeight);
      List<Integer> indices = new ArrayList<>();
      List<Float> values = new ArrayList<>();
      trainer.pendingSparse(i, indices, values); // tokens travel as their indices
      Sample s =
          Sample.newBuilder()
              .setModelId(key)
              .setFeatures(FloatLists.boxed(x))
              .setLabel(labelAndWeight[0])
              .setWeight(labelAndWeight[1])
              .setIndices(indices)
              .setValues(values)
              .build();
      reject(s, NON_FINITE_UPDATE);
    }
    trainer.discardPending();
    return false;
  }

  /** Reports a detected drift (counter, log line, drift event) and applies the action. */
  private void drift(String key, ModelTrainer trainer, long now) {
    driftsDetected.inc();
    QualitySpec.DriftAction action = config.quality.driftAction();
    DriftEvent event = DriftEvents.of(key, trainer, config, action, now);
    LOG.warn(
        "drift: model {} at sample {} (version {}): {} rose from {} to {}; action: {}",
        Printable.escape(key),
        event.getSamplesSeen(),
        event.getVersion(),
        event.getError(),
        String.format("%.4g", event.getErrorBefore()),
        String.format("%.4g", event.getErrorAfter()),
        action.label());
    output.collect(DriftEvents.TAG, new StreamRecord<>(event));
    trainer.applyDriftAction(key);
  }

  /** Emits a snapshot, unless the quality gate holds it back (then counted, and skipped). */
  private void emit(String key, LiveModels.Entry<ModelTimers> entry) {
    ModelTrainer trainer = entry.trainer;
    if (trainer.heldBackByGate()) {
      gatedSnapshots.inc();
      output.collect(
          DriftEvents.HELD_BACK,
          new StreamRecord<>(
              Snapshots.of(key, trainer, config.snapshotOptimizerState, now(), modelSpec)));
      trainer.markEmitted();
      return;
    }
    for (WeightSnapshot record :
        Snapshots.publish(key, trainer, config.snapshotOptimizerState, now(), modelSpec)) {
      output.collect(new StreamRecord<>(record));
    }
    trainer.markEmitted();
  }

  /** Models named in the log for samples from a second partition: a bound, not every model. */
  private static final int PARTITION_WARNINGS = 100;

  /**
   * A model's samples come from two partitions: their order, which exact replays depend on, is no
   * longer defined. Counted per sample, logged once per model (for the first {@value
   * #PARTITION_WARNINGS} models of the subtask).
   */
  private void otherPartition(String key, int first, int other) {
    samplesFromAnotherPartition.inc();
    if (partitionWarnings.size() < PARTITION_WARNINGS && partitionWarnings.add(key)) {
      LOG.warn(
          "model {} gets samples from partitions {} and {}: its producers do not partition its key"
              + " the same way (librdkafka's default is not Java's murmur2: set"
              + " partitioner=murmur2_random); its samples' order, which exact replays depend on,"
              + " is not defined",
          Printable.escape(key),
          first,
          other);
    }
  }

  private transient SparseBatch requestRow;

  private transient float[] requestOutput;

  /** What the last answered request got ({@link #processRequest}). */
  protected transient float answer;

  protected transient long answerVersion;

  /** A request of the current key, answered by its trained model ({@link #processRequest}). */
  protected final void processRequest(DenseRequest request) throws Exception {
    processRequest(request, false);
  }

  /**
   * Answers a request of the current key with its live model, as it is now (zero staleness), to the
   * predictions; returns whether it was answered ({@link #answer}, {@link #answerVersion}). A model
   * that has no state, or no update yet, has nothing to answer with ({@code no model}) unless
   * {@code untrainedToo}: then a new model answers as it was initialized (version 0). Refused
   * requests go to the dead letters.
   */
  protected final boolean processRequest(DenseRequest request, boolean untrainedToo)
      throws Exception {
    String reason = requestProblem(request);
    if (reason == null) {
      LiveModels.Entry<ModelTimers> entry =
          untrainedToo ? entry(request.modelId) : existingEntry(request.modelId);
      if (entry != null && (untrainedToo || entry.trainer.version() > 0)) {
        ModelTrainer trainer = entry.trainer;
        Predictor predictor = trainer.predictor();
        SparseBatch row = requestRow();
        if (predictor.hashBits() > 0) {
          SparseRequests.addRow(row, request, predictor.hashBits());
        }
        answer = forward(predictor, request.features);
        answerVersion = trainer.version();
        output.collect(
            predictionsTag,
            new StreamRecord<>(
                Predictions.of(
                    request, answer, answerVersion, trainer.progress().lastUpdateMillis(), false)));
        requestsAnswered.inc();
        return true;
      }
      reason = Predictions.NO_MODEL;
    }
    deadLetters.count(reason);
    output.collect(rejectedTag, new StreamRecord<>(Predictions.refused(request, reason, now())));
    return false;
  }

  /** Why no model of this operator can answer {@code request}, or null when they can. */
  private String requestProblem(DenseRequest request) {
    String reason = request.invalidReason(config.features);
    return reason != null ? reason : request.mismatch(config.features, modelSpec.getHashBits());
  }

  /**
   * Refuses a request that no model of this operator can answer (a dead letter with the reason);
   * returns whether it did.
   */
  protected final boolean refuseRequest(DenseRequest request) {
    String reason = requestProblem(request);
    if (reason == null) {
      return false;
    }
    deadLetters.count(reason);
    output.collect(rejectedTag, new StreamRecord<>(Predictions.refused(request, reason, now())));
    return true;
  }

  /**
   * The current output of the current key's model on one input (sparse part already in the model's
   * space), as the predictor computes it.
   */
  protected final float predict(float[] features, int[] indices, float[] values) throws Exception {
    Predictor predictor = entry((String) getCurrentKey()).trainer.predictor();
    SparseBatch row = requestRow();
    if (predictor.hashBits() > 0) {
      for (int i = 0; i < indices.length; i++) {
        row.add(indices[i], values[i]);
      }
      row.endRow();
    }
    return forward(predictor, features);
  }

  /** The one-row sparse batch of answers, empty. */
  private SparseBatch requestRow() {
    if (requestRow == null) {
      requestRow = new SparseBatch();
      requestOutput = new float[1];
    }
    requestRow.clear();
    return requestRow;
  }

  /** {@code predictor}'s output on one input (with {@link #requestRow} as its sparse part). */
  private float forward(Predictor predictor, float[] features) {
    predictor.predict(features, predictor.hashBits() > 0 ? requestRow : null, 1, requestOutput);
    return requestOutput[0];
  }

  /**
   * The host state of the current key's model (its timers, its feedback tally), marked changed: it
   * is written to keyed state at the next checkpoint.
   */
  final ModelTimers host() throws Exception {
    LiveModels.Entry<ModelTimers> entry = entry((String) getCurrentKey());
    live.markDirty(entry);
    return entry.host;
  }

  /** The dead letters of refused records, counted by reason, to {@code rejectedTag}. */
  protected final void deadLetter(DeadLetter letter) {
    deadLetters.count(letter.getReason());
    output.collect(rejectedTag, new StreamRecord<>(letter));
  }

  /** The version of the current key's model. */
  protected final long currentVersion() throws Exception {
    return entry((String) getCurrentKey()).trainer.version();
  }

  /** The sparse space of this operator's models is {@code 2^hashBits()} coordinates (0: none). */
  protected final int hashBits() {
    return modelSpec.getHashBits();
  }

  /** The trainer's configuration. */
  protected final TrainerConfig config() {
    return config;
  }

  /** The current processing time. */
  protected final long processingTime() {
    return now();
  }

  private void reject(Sample sample, String reason) throws Exception {
    if (rejectedTag == null) {
      throw new IllegalArgumentException(reason + " (model " + sample.getModelId() + ")");
    }
    deadLetters.count(reason);
    ModelMetrics model = modelMetrics.get(sample.getModelId());
    if (model != null) {
      model.deadLetters.count(reason);
    }
    DeadLetter dl =
        DeadLetters.of(
                reason,
                sample.getModelId(),
                sample.toByteBuffer(),
                getProcessingTimeService().getCurrentProcessingTime())
            .build();
    output.collect(rejectedTag, new StreamRecord<>(dl));
  }
}
