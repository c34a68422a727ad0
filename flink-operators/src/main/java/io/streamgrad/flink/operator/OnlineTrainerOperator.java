package io.streamgrad.flink.operator;

import io.streamgrad.flink.train.ModelTrainer;
import io.streamgrad.flink.train.TrainerConfig;
import io.streamgrad.flink.train.TrainerState;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.FloatLists;
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
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed training operator: per model id, buffers samples into a mini-batch and runs one
 * autograd step per batch, emitting a {@link WeightSnapshot} every {@code snapshotEvery} updates
 * and a final one at end of input.
 *
 * <p>Live models sit in a per-subtask cache so that a sample costs a hash lookup and a copy into
 * the batch buffer; every model touched since the last checkpoint is written to keyed state in
 * {@link #prepareSnapshotPreBarrier} (the pattern of Flink's mini-batch operators), so keyed state
 * is exact at every checkpoint barrier and rescaling redistributes models like any keyed state. The
 * cache is per subtask and today unbounded: it holds every model the subtask has seen since it
 * started, so its memory grows with the number of models, not with the active ones.
 */
public final class OnlineTrainerOperator extends AbstractStreamOperator<WeightSnapshot>
    implements OneInputStreamOperator<DenseSample, WeightSnapshot>,
        Triggerable<String, VoidNamespace>,
        BoundedOneInput {

  private static final long serialVersionUID = 1L;

  /** Dead-letter reason of the samples of a step the divergence guard refused. */
  public static final String NON_FINITE_UPDATE = "non-finite update";

  private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainerOperator.class);

  /** Name of the keyed state holding each model's {@link TrainerState}. */
  public static final String STATE_NAME = "streamgrad-trainer";

  private final TrainerConfig config;
  private final OutputTag<DeadLetter> rejectedTag;

  private transient ValueState<TrainerState> state;
  private transient InternalTimerService<VoidNamespace> timers;
  private transient Map<String, ModelTrainer> live;
  private transient Set<String> dirty;
  private transient Counter divergenceRejections;
  private transient DeadLetterMetrics deadLetters;
  private transient Map<String, ModelMetrics> modelMetrics;

  public OnlineTrainerOperator(TrainerConfig config, OutputTag<DeadLetter> rejectedTag) {
    this.config = config;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    AvroTrust.install(); // on the task manager, before any Sample is decoded
    super.initializeState(context);
    state =
        context
            .getKeyedStateStore()
            .getState(
                new ValueStateDescriptor<>(STATE_NAME, TypeInformation.of(TrainerState.class)));
  }

  @Override
  public void open() throws Exception {
    super.open();
    live = new HashMap<>();
    dirty = new HashSet<>();
    timers =
        getInternalTimerService("streamgrad-batch-delay", VoidNamespaceSerializer.INSTANCE, this);
    divergenceRejections = getMetricGroup().counter("divergenceGuardRejections");
    deadLetters = new DeadLetterMetrics(getMetricGroup());
    modelMetrics = new HashMap<>();
  }

  @Override
  public void processElement(StreamRecord<DenseSample> element) throws Exception {
    DenseSample sample = element.getValue();
    float[] x = sample.features;
    if (x.length != config.features) {
      reject(
          sample.toSample(),
          "wrong feature count: expected " + config.features + ", got " + x.length);
      return;
    }
    String key = (String) getCurrentKey();
    ModelTrainer trainer = trainer(key);
    boolean wasEmpty = trainer.pending() == 0;
    dirty.add(key);
    if (trainer.add(x, sample.label, sample.weight)) {
      trainAndMaybeEmit(key, trainer);
    } else if (wasEmpty && config.maxBatchDelayMillis > 0) {
      long deadline =
          getProcessingTimeService().getCurrentProcessingTime() + config.maxBatchDelayMillis;
      trainer.setBatchDeadline(deadline);
      timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, deadline);
    }
  }

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    String key = timer.getKey();
    ModelTrainer trainer = trainer(key);
    // A batch that filled up before its deadline leaves a stale timer behind: ignore it.
    if (trainer.pending() > 0
        && trainer.batchDeadline() != 0
        && trainer.batchDeadline() <= timer.getTimestamp()) {
      dirty.add(key);
      trainAndMaybeEmit(key, trainer);
    }
  }

  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}

  @Override
  public void endInput() throws Exception {
    // Every model of this subtask: live ones and those only in restored state.
    Set<String> keys = new HashSet<>(live.keySet());
    try (Stream<String> stored =
        this.<String>getKeyedStateBackend().getKeys(STATE_NAME, VoidNamespace.INSTANCE)) {
      keys.addAll(stored.collect(Collectors.toList()));
    }
    List<String> ordered = new ArrayList<>(keys);
    ordered.sort(null); // deterministic emission order
    for (String key : ordered) {
      setCurrentKey(key);
      ModelTrainer trainer = trainer(key);
      if (trainer.pending() > 0) {
        step(key, trainer);
        dirty.add(key);
      }
      if (trainer.version() > trainer.lastEmittedVersion()) {
        emit(key, trainer);
        dirty.add(key);
      }
    }
    flushToState();
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    flushToState();
  }

  /**
   * Also flushed here (before Flink snapshots the keyed backend), whatever path took the snapshot.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    flushToState();
    super.snapshotState(context);
  }

  private void flushToState() throws Exception {
    Object current = getCurrentKey();
    for (String key : dirty) {
      setCurrentKey(key);
      state.update(live.get(key).toState());
    }
    dirty.clear();
    if (current != null) {
      setCurrentKey(current);
    }
  }

  /** The live trainer for the current key, restored from keyed state on first use. */
  private ModelTrainer trainer(String key) throws Exception {
    ModelTrainer trainer = live.get(key);
    if (trainer == null) {
      trainer = new ModelTrainer(config, key);
      TrainerState stored = state.value();
      if (stored == null) {
        stored = config.initialModels.get(key); // warm start, only for a model without state
      }
      if (stored != null) {
        trainer.restore(stored);
      }
      live.put(key, trainer);
      modelMetrics.put(key, new ModelMetrics(getMetricGroup(), key, trainer));
    }
    return trainer;
  }

  private void trainAndMaybeEmit(String key, ModelTrainer trainer) throws Exception {
    if (step(key, trainer) && trainer.version() % config.snapshotEvery == 0) {
      emit(key, trainer);
    }
  }

  /** One step; a batch the divergence guard refuses goes, sample by sample, to the dead letters. */
  private boolean step(String key, ModelTrainer trainer) throws Exception {
    ModelTrainer.StepResult result = trainer.step();
    if (result != ModelTrainer.StepResult.REJECTED_NON_FINITE) {
      return result == ModelTrainer.StepResult.TRAINED;
    }
    int n = trainer.pending();
    LOG.warn(
        "divergence guard: model {} kept its last good state (version {}); {} samples go to dead letters as '{}'",
        key,
        trainer.version(),
        n,
        NON_FINITE_UPDATE);
    divergenceRejections.inc();
    float[] x = new float[config.features];
    float[] labelAndWeight = new float[2];
    for (int i = 0; i < n; i++) {
      trainer.pendingSample(i, x, labelAndWeight);
      Sample s =
          Sample.newBuilder()
              .setModelId(key)
              .setFeatures(FloatLists.boxed(x))
              .setLabel(labelAndWeight[0])
              .setWeight(labelAndWeight[1])
              .build();
      reject(s, NON_FINITE_UPDATE);
    }
    trainer.discardPending();
    return false;
  }

  private void emit(String key, ModelTrainer trainer) {
    output.collect(
        new StreamRecord<>(
            Snapshots.of(
                key,
                trainer,
                config.snapshotOptimizerState,
                getProcessingTimeService().getCurrentProcessingTime())));
    trainer.markEmitted();
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
