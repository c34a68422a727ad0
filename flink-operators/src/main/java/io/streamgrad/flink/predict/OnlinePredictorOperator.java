package io.streamgrad.flink.predict;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.flink.operator.DeadLetterMetrics;
import io.streamgrad.flink.operator.ModelLifecycle;
import io.streamgrad.online.serving.PendingRequest;
import io.streamgrad.online.serving.Predictions;
import io.streamgrad.online.serving.PredictorConfig;
import io.streamgrad.online.serving.SparseRequests;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Printable;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed serving operator: input 1 is prediction requests, input 2 the models' snapshots, both
 * keyed by model id. Keyed state holds each model's newest snapshot (an older or repeated version
 * never replaces it, so replays and at-least-once delivery are harmless) and the requests waiting
 * for a model's first snapshot. A sparse model's snapshots are updates of its tables ({@link
 * SparseModelAssembler}): state holds its updates since the last full one, in a list that only
 * grows by appends until the next full update (every 100th) restarts it, so a checkpoint writes
 * what changed, not the model. Requests are micro-batched per model, up to {@code maxBatchSize} or
 * {@code maxBatchDelayMillis}, so that a batch is one forward pass (one GEMV for linear models).
 *
 * <p>Batches live only between checkpoints: every batch is answered before a checkpoint barrier
 * goes on ({@link #prepareSnapshotPreBarrier}), so state never holds one, and exactly-once sinks
 * commit each prediction with the checkpoint after it was made. Built models are cached per subtask
 * (at most {@code maxLiveModels}); state is the truth, the cache is rebuilt from it.
 */
public final class OnlinePredictorOperator extends AbstractStreamOperator<Prediction>
    implements TwoInputStreamOperator<DenseRequest, WeightSnapshot, Prediction>,
        Triggerable<String, VoidNamespace>,
        BoundedMultiInput {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(OnlinePredictorOperator.class);

  public static final String MODEL_STATE = "streamgrad-served-model";
  public static final String WAITING_STATE = "streamgrad-waiting-requests";
  public static final String SPARSE_UPDATES_STATE = "streamgrad-served-sparse-updates";

  /** Dead-letter reason (its stable part) of a snapshot no model can be built from. */
  public static final String UNSERVABLE_SNAPSHOT = "unservable snapshot";

  private final PredictorConfig config;
  private final OutputTag<DeadLetter> rejectedTag;

  private transient ValueState<WeightSnapshot> snapshots;
  private transient ListState<WeightSnapshot> sparseUpdates;
  private transient Map<String, SparseModelAssembler> assemblers;
  private transient long sparseBytes; // the cached sparse models' parameters
  private transient long sparseBudget;
  private transient ListState<PendingRequest> waiting;
  private transient InternalTimerService<VoidNamespace> waitTimers;
  private transient Map<String, ServedModel> models;
  private transient Map<String, Batch> batches;
  private transient List<Batch> spareBatches;
  private transient boolean flushScheduled;
  private transient int inputsEnded;
  private transient boolean snapshotsEnded;
  private transient float[] outputs;
  private transient DeadLetterMetrics deadLetters;
  private transient Counter requests;
  private transient Counter predictions;
  private transient Counter forwardPasses;
  private transient Counter snapshotsApplied;
  private transient Counter snapshotsIgnored;
  private transient Counter staleFlagged;

  public OnlinePredictorOperator(PredictorConfig config, OutputTag<DeadLetter> rejectedTag) {
    this.config = config;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    AvroTrust.install();
    super.initializeState(context);
    snapshots =
        context
            .getKeyedStateStore()
            .getState(
                new ValueStateDescriptor<>(MODEL_STATE, new AvroTypeInfo<>(WeightSnapshot.class)));
    sparseUpdates =
        context
            .getKeyedStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    SPARSE_UPDATES_STATE, new AvroTypeInfo<>(WeightSnapshot.class)));
    waiting =
        context
            .getKeyedStateStore()
            .getListState(
                new ListStateDescriptor<>(WAITING_STATE, TypeInformation.of(PendingRequest.class)));
  }

  @Override
  public void open() throws Exception {
    super.open();
    waitTimers =
        getInternalTimerService("streamgrad-no-model-wait", VoidNamespaceSerializer.INSTANCE, this);
    models =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, ServedModel> eldest) {
            return size() > config.maxLiveModels;
          }
        };
    assemblers = new LinkedHashMap<>(16, 0.75f, true);
    // Sparse models are large (4 MB a table of 2^20): bounded by bytes too, as the trainer's are.
    sparseBudget =
        ModelLifecycle.heapShare(Runtime.getRuntime().maxMemory(), ModelLifecycle.taskSlots(this));
    batches = new HashMap<>();
    spareBatches = new ArrayList<>();
    outputs = new float[config.maxBatchSize];
    deadLetters = new DeadLetterMetrics(getMetricGroup());
    requests = getMetricGroup().counter("requests");
    predictions = getMetricGroup().counter("predictions");
    forwardPasses = getMetricGroup().counter("forwardPasses");
    snapshotsApplied = getMetricGroup().counter("snapshotsApplied");
    snapshotsIgnored = getMetricGroup().counter("snapshotsIgnored");
    staleFlagged = getMetricGroup().counter("staleFlagged");
    getMetricGroup().gauge("liveModels", () -> models.size());
  }

  // ---- requests -------------------------------------------------------------------------------

  @Override
  public void processElement1(StreamRecord<DenseRequest> element) throws Exception {
    requests.inc();
    DenseRequest request = element.getValue();
    String reason = request.invalidReason(0);
    if (reason != null) {
      reject(request, reason);
      return;
    }
    if (config.snapshotsFirst && !snapshotsEnded) {
      waiting.add(new PendingRequest(request, now())); // answered when the snapshots end
      return;
    }
    ServedModel model = model(request.modelId);
    if (model == null) {
      waitForModel(request);
    } else {
      answer(model, request);
    }
  }

  /** Holds a request until its model's first snapshot, for at most {@code noModelWaitMillis}. */
  private void waitForModel(DenseRequest request) throws Exception {
    if (config.noModelWaitMillis == 0 || snapshotsEnded) {
      reject(request, Predictions.NO_MODEL);
      return;
    }
    long now = now();
    waiting.add(new PendingRequest(request, now));
    waitTimers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, now + config.noModelWaitMillis);
  }

  /** Checks the request against its model, then queues it in the model's batch. */
  private void answer(ServedModel model, DenseRequest request) throws Exception {
    String mismatch = request.mismatch(model.features(), model.hashBits());
    if (mismatch != null) {
      reject(request, mismatch);
      return;
    }
    boolean stale = false;
    if (config.maxModelAgeMillis > 0) {
      long age = now() - model.timestampMillis();
      if (age > config.maxModelAgeMillis) {
        if (config.stalePolicy == PredictorConfig.StalePolicy.REFUSE) {
          reject(request, Predictions.tooOld(model.version(), age, config.maxModelAgeMillis));
          return;
        }
        stale = true;
        staleFlagged.inc();
      }
    }
    Batch batch = batches.get(request.modelId);
    if (batch == null) {
      batch = spareBatches.isEmpty() ? new Batch() : spareBatches.remove(spareBatches.size() - 1);
      batch.model = model;
      batches.put(request.modelId, batch);
    }
    if (batch.add(request, stale, config.maxBatchSize)) {
      flush(batches.remove(request.modelId));
    } else if (!flushScheduled && config.maxBatchDelayMillis > 0) {
      flushScheduled = true;
      getProcessingTimeService().registerTimer(now() + config.maxBatchDelayMillis, t -> flushAll());
    } else if (config.maxBatchDelayMillis == 0) {
      flush(batches.remove(request.modelId));
    }
  }

  /** One forward pass for the batch, one prediction per request. */
  private void flush(Batch batch) {
    int n = batch.size;
    ServedModel model = batch.model;
    model.predict(batch.x, model.hashBits() > 0 ? batch.sparse : null, n, outputs);
    forwardPasses.inc();
    for (int i = 0; i < n; i++) {
      output.collect(
          new StreamRecord<>(
              Predictions.of(
                  batch.requests[i],
                  outputs[i],
                  model.version(),
                  model.timestampMillis(),
                  batch.stale[i])));
    }
    predictions.inc(n);
    batch.clear();
    spareBatches.add(batch);
  }

  private void flushAll() {
    flushScheduled = false;
    for (Iterator<Batch> it = batches.values().iterator(); it.hasNext(); ) {
      Batch b = it.next();
      it.remove();
      flush(b);
    }
  }

  /** A no-model wait ran out: the requests of this model that waited long enough are refused. */
  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    List<PendingRequest> keep = new ArrayList<>();
    Iterable<PendingRequest> held = waiting.get();
    if (held == null) {
      return;
    }
    for (PendingRequest p : held) {
      if (p.arrivedMillis + config.noModelWaitMillis <= timer.getTimestamp()) {
        reject(p.request, Predictions.NO_MODEL);
      } else {
        keep.add(p);
      }
    }
    waiting.update(keep);
  }

  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}

  // ---- snapshots ------------------------------------------------------------------------------

  @Override
  public void processElement2(StreamRecord<WeightSnapshot> element) throws Exception {
    WeightSnapshot s = element.getValue();
    String key = s.getModelId();
    if (s.getSparse() != null) {
      applySparse(key, s);
      return;
    }
    WeightSnapshot held = snapshots.value();
    if (held != null && held.getVersion() >= s.getVersion()) {
      snapshotsIgnored.inc(); // a replay or a duplicate: never go back to an older version
      return;
    }
    WeightSnapshot served = servable(s);
    ServedModel model;
    try {
      model = ServedModel.of(served);
    } catch (IllegalArgumentException e) {
      unservable(served, e);
      return;
    }
    flushBatch(key); // answered by the version they were queued for
    snapshots.update(served);
    sparseUpdates.clear(); // a model id whose kind changed
    SparseModelAssembler sparse = assemblers.remove(key);
    if (sparse != null) {
      sparseBytes -= bytes(sparse);
    }
    applied(key, model);
  }

  /**
   * One record of a sparse model's snapshots: appended to its updates in state, and applied by its
   * assembler; a completed full update restarts the list with its own parts.
   */
  private void applySparse(String key, WeightSnapshot s) throws Exception {
    SparseModelAssembler assembler = assembler(key);
    if (assembler == null) {
      assembler = new SparseModelAssembler();
      cache(key, assembler);
    }
    boolean built = assembler.model() != null;
    if (s.getVersion() <= assembler.version()) {
      snapshotsIgnored.inc(); // a replay or a duplicate
      return;
    }
    WeightSnapshot kept = servable(s);
    flushBatch(key); // the next update changes the tables in place
    boolean completed;
    try {
      completed = assembler.accept(kept);
    } catch (IllegalArgumentException e) {
      unservable(kept, e);
      return;
    }
    sparseUpdates.add(kept);
    if (!built && assembler.model() != null) {
      sparseBytes += bytes(assembler);
      trimSparse(key);
    }
    if (!completed) {
      return; // one part of several, or a delta after a gap (the version held stays served)
    }
    if (kept.getSparse().getFull()) {
      List<WeightSnapshot> since = new ArrayList<>();
      for (WeightSnapshot u : sparseUpdates.get()) {
        if (u.getVersion() == kept.getVersion()) {
          since.add(u);
        }
      }
      sparseUpdates.update(since);
    }
    snapshots.clear();
    applied(key, assembler.served());
  }

  /**
   * The model of the current key now is {@code model}: requests that waited for it are answered.
   */
  private void applied(String key, ServedModel model) throws Exception {
    models.put(key, model);
    snapshotsApplied.inc();
    Iterable<PendingRequest> held2 = config.snapshotsFirst ? null : waiting.get();
    if (held2 != null) {
      List<PendingRequest> all = new ArrayList<>();
      held2.forEach(all::add);
      waiting.clear();
      for (PendingRequest p : all) {
        answer(model, p.request);
      }
    }
  }

  /** What state keeps of a snapshot: the parameters and spec (optimizer state would double it). */
  private static WeightSnapshot servable(WeightSnapshot s) {
    return s.getOptimizerState() == null
        ? s
        : WeightSnapshot.newBuilder(s).setOptimizerState(null).build();
  }

  private void unservable(WeightSnapshot s, IllegalArgumentException e) {
    LOG.warn(
        "snapshot of model {} version {} cannot be served: {}",
        Printable.escape(s.getModelId()),
        s.getVersion(),
        e);
    DeadLetter dl =
        DeadLetters.of(
                UNSERVABLE_SNAPSHOT + ": " + e.getMessage(),
                s.getModelId(),
                ByteBuffer.wrap(WireFormat.encode(s)),
                now())
            .build();
    emitDeadLetter(dl, UNSERVABLE_SNAPSHOT);
  }

  private void flushBatch(String key) {
    Batch pending = batches.remove(key);
    if (pending != null) {
      flush(pending);
    }
  }

  /**
   * The sparse model of {@code key} (the current key): from the cache, or rebuilt by replaying its
   * updates in state; null when it has none.
   */
  private SparseModelAssembler assembler(String key) throws Exception {
    SparseModelAssembler a = assemblers.get(key);
    if (a != null) {
      return a;
    }
    Iterable<WeightSnapshot> updates = sparseUpdates.get();
    if (updates == null || !updates.iterator().hasNext()) {
      return null;
    }
    a = new SparseModelAssembler();
    for (WeightSnapshot u : updates) {
      a.accept(u); // state holds only updates that were accepted before
    }
    cache(key, a);
    sparseBytes += bytes(a);
    trimSparse(key);
    return a;
  }

  private void cache(String key, SparseModelAssembler a) {
    assemblers.put(key, a);
    if (assemblers.size() > config.maxLiveModels) {
      evictEldestSparse();
    }
  }

  /**
   * Evicts the least recently used sparse models (never {@code keep}, the one in use) while they
   * take more than the budget; state is the truth, an evicted model is rebuilt from it.
   */
  private void trimSparse(String keep) {
    while (sparseBytes > sparseBudget && assemblers.size() > 1) {
      if (assemblers.keySet().iterator().next().equals(keep)) {
        break; // the only one that could go is the one in use
      }
      evictEldestSparse();
    }
  }

  private void evictEldestSparse() {
    Iterator<Map.Entry<String, SparseModelAssembler>> eldest = assemblers.entrySet().iterator();
    Map.Entry<String, SparseModelAssembler> e = eldest.next();
    eldest.remove();
    sparseBytes -= bytes(e.getValue());
    flushBatch(e.getKey());
    models.remove(e.getKey()); // its served model shares the tables
  }

  /** The bytes of an assembler's model's parameters (0 before its first full update). */
  private static long bytes(SparseModelAssembler a) {
    if (a.model() == null) {
      return 0;
    }
    long n = 0;
    for (var p : a.model().parameters()) {
      n += p.numel();
    }
    return 4 * n;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    flushAll(); // no batch crosses a checkpoint
  }

  /**
   * When both inputs have ended no snapshot can come any more: batches are answered and waiting
   * requests answered, or refused as {@code no model}. With {@code snapshotsFirst}, the held
   * requests are answered as soon as the snapshots end.
   */
  @Override
  public void endInput(int inputId) throws Exception {
    inputsEnded++;
    if (inputId == 2) {
      snapshotsEnded = true;
      if (config.snapshotsFirst) {
        answerWaiting(); // every model has its final version now
      }
    }
    if (inputsEnded < 2) {
      return;
    }
    flushAll();
    answerWaiting();
  }

  /** Requests held in state are answered by their model, or refused when it has none. */
  private void answerWaiting() throws Exception {
    List<String> keys;
    try (Stream<String> stored =
        this.<String>getKeyedStateBackend().getKeys(WAITING_STATE, VoidNamespace.INSTANCE)) {
      keys = stored.collect(Collectors.toList());
    }
    keys.sort(null);
    for (String key : keys) {
      setCurrentKey(key);
      Iterable<PendingRequest> held = waiting.get();
      if (held == null) {
        continue;
      }
      List<PendingRequest> all = new ArrayList<>();
      held.forEach(all::add);
      waiting.clear();
      ServedModel model = model(key);
      for (PendingRequest p : all) {
        if (model == null) {
          reject(p.request, Predictions.NO_MODEL);
        } else {
          answer(model, p.request);
        }
      }
    }
    flushAll();
  }

  /** The newest model of {@code key} (the current key), from the cache or from state. */
  private ServedModel model(String key) throws Exception {
    ServedModel m = models.get(key);
    if (m == null) {
      WeightSnapshot s = snapshots.value();
      if (s != null) {
        m = ServedModel.of(s); // state holds only snapshots that built before
      } else {
        SparseModelAssembler a = assembler(key);
        m = a == null ? null : a.served();
      }
      if (m != null) {
        models.put(key, m);
      }
    }
    return m;
  }

  private void reject(DenseRequest request, String reason) {
    emitDeadLetter(Predictions.refused(request, reason, now()), reason);
  }

  private void emitDeadLetter(DeadLetter dl, String reason) {
    if (rejectedTag == null) {
      throw new IllegalArgumentException(reason + " (model " + dl.getModelId() + ")");
    }
    deadLetters.count(reason);
    output.collect(rejectedTag, new StreamRecord<>(dl));
  }

  private long now() {
    return getProcessingTimeService().getCurrentProcessingTime();
  }

  /** One model's queued requests: their features row by row, for one forward pass. */
  private static final class Batch {
    ServedModel model;
    float[] x = new float[0];
    final SparseBatch sparse = new SparseBatch();
    DenseRequest[] requests = new DenseRequest[0];
    boolean[] stale = new boolean[0];
    int size;

    /** Adds a request; true when the batch is full. */
    boolean add(DenseRequest r, boolean isStale, int maxSize) {
      int d = r.features.length;
      if (size == requests.length) {
        int rows = Math.min(maxSize, Math.max(4, 2 * size));
        requests = Arrays.copyOf(requests, rows);
        stale = Arrays.copyOf(stale, rows);
      }
      if (x.length < requests.length * d) { // grown, or reused for a wider model
        x = Arrays.copyOf(x, requests.length * d);
      }
      System.arraycopy(r.features, 0, x, size * d, d);
      if (model.hashBits() > 0) {
        SparseRequests.addRow(sparse, r, model.hashBits());
      }
      requests[size] = r;
      stale[size] = isStale;
      size++;
      return size == maxSize;
    }

    void clear() {
      Arrays.fill(requests, 0, size, null);
      sparse.clear();
      size = 0;
      model = null;
    }
  }
}
