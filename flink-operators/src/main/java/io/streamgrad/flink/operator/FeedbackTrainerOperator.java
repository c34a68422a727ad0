package io.streamgrad.flink.operator;

import io.streamgrad.flink.operator.DueQueue.Due;
import io.streamgrad.online.feedback.EarlyLabel;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.online.feedback.FeedbackJoin;
import io.streamgrad.online.feedback.FeedbackTally;
import io.streamgrad.online.feedback.PendingEvent;
import io.streamgrad.online.serving.Predictions;
import io.streamgrad.online.serving.SparseRequests;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.internal.InternalListState;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The training operator fed by its own answers: input 1 is prediction requests (the events), each
 * answered by its model as it is now and remembered; input 2 is their labels, which come later or
 * never. The {@link FeedbackJoin} decides, in event time, what is trained on and when; the events
 * and early labels wait in keyed map state (by request id, under the model's key), and their due
 * times in keyed lists, one per model and slot of event time (a 64th of the window, at most a
 * second), with one event-time timer per list (RocksDB-capable, so millions of pending events stay
 * on disk; a timer per due time was a third of the operator's time).
 *
 * <p>Timers that a watermark fires are collected and processed in order of (time, model, request
 * id) once the watermark is through: the order of training does not depend on how the two inputs
 * interleaved, so a job restored from a checkpoint trains bit for bit as an uninterrupted one.
 */
public final class FeedbackTrainerOperator extends TrainerOperatorBase
    implements TwoInputStreamOperator<DenseRequest, Label, WeightSnapshot>, BoundedMultiInput {
  private static final long serialVersionUID = 1L;

  /** Keyed map states: pending events and early labels by request id. */
  public static final String EVENTS_STATE = "streamgrad-feedback-events";

  public static final String EARLY_LABELS_STATE = "streamgrad-feedback-early-labels";

  /** Keyed list state, by slot: the (time, request id) due in it. */
  public static final String DUE_STATE = "streamgrad-feedback-due";

  /**
   * Due times are kept by slot of event time, one timer a slot: a 64th of the label window, at most
   * a second (what a due time may wait beyond its time).
   */
  static long slotMillis(long labelWindowMillis) {
    return Math.max(1, Math.min(1_000, labelWindowMillis / 64));
  }

  private static final String[] COUNTER_NAMES = {
    "feedbackEvents",
    "feedbackLabels",
    "feedbackJoined",
    "feedbackExpired",
    "feedbackLateLabels",
    "feedbackOrphanLabels",
    "feedbackDuplicateLabels",
    "feedbackDeadLetters",
    "feedbackTrainedPositives",
    "feedbackTrainedNegatives"
  };

  // A dense event's empty sparse part, shared: never written to.
  private static final int[] NO_INDICES = new int[0];
  private static final float[] NO_VALUES = new float[0];

  private final FeedbackConfig feedback;
  private final boolean classification;
  private final OutputTag<FeedbackReport> reportsTag;
  private final long reportIntervalMillis;
  private final long slotMillis;

  private transient MapState<String, PendingEvent> events;
  private transient MapState<String, EarlyLabel> earlyLabels;
  private transient InternalTimerService<VoidNamespace> dueTimes;
  private transient InternalListState<Object, Long, Tuple2<Long, String>> slots;
  private transient Object lastSlotKey;
  private transient long lastSlot;
  private transient FeedbackJoin join;
  private transient DueQueue due;
  private transient DenseSample sample;
  private transient StreamRecord<DenseSample> sampleRecord;
  private transient int endedInputs;
  private transient Set<String> changed;

  /**
   * Reports of each model's accounting and served-prediction metrics go to {@code reportsTag} when
   * they changed, at most once per {@code reportIntervalMillis} (processing time), and at the end
   * of the input.
   */
  public FeedbackTrainerOperator(
      TrainerConfig config,
      ModelLifecycle lifecycle,
      FeedbackConfig feedback,
      OutputTag<DeadLetter> rejectedTag,
      OutputTag<Prediction> predictionsTag,
      OutputTag<FeedbackReport> reportsTag,
      long reportIntervalMillis) {
    super(config, lifecycle, rejectedTag, predictionsTag, false);
    if (reportIntervalMillis <= 0) {
      throw new IllegalArgumentException("the report interval must be positive");
    }
    this.feedback = feedback;
    this.reportsTag = reportsTag;
    this.reportIntervalMillis = reportIntervalMillis;
    this.slotMillis = slotMillis(feedback.labelWindowMillis());
    this.classification = config.classification();
    feedback.checkModel(classification);
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    events =
        context
            .getKeyedStateStore()
            .getMapState(
                new MapStateDescriptor<>(
                    EVENTS_STATE,
                    BasicTypeInfo.STRING_TYPE_INFO,
                    TypeInformation.of(PendingEvent.class)));
    earlyLabels =
        context
            .getKeyedStateStore()
            .getMapState(
                new MapStateDescriptor<>(
                    EARLY_LABELS_STATE,
                    BasicTypeInfo.STRING_TYPE_INFO,
                    TypeInformation.of(EarlyLabel.class)));
  }

  @SuppressWarnings("unchecked")
  private InternalListState<Object, Long, Tuple2<Long, String>> slotState() throws Exception {
    return (InternalListState<Object, Long, Tuple2<Long, String>>)
        getOrCreateKeyedState(
            LongSerializer.INSTANCE,
            new ListStateDescriptor<>(
                DUE_STATE,
                new TupleTypeInfo<Tuple2<Long, String>>(
                    BasicTypeInfo.LONG_TYPE_INFO, BasicTypeInfo.STRING_TYPE_INFO)));
  }

  @Override
  public void open() throws Exception {
    super.open();
    due = new DueQueue();
    changed = new HashSet<>();
    getProcessingTimeService()
        .scheduleWithFixedDelay(t -> report(), reportIntervalMillis, reportIntervalMillis);
    sample = new DenseSample();
    sampleRecord = new StreamRecord<>(sample);
    dueTimes =
        getInternalTimerService(
            "streamgrad-feedback-slots", VoidNamespaceSerializer.INSTANCE, new DueTimes());
    slots = slotState();
    lastSlot = Long.MIN_VALUE;
    Counter[] totals = new Counter[COUNTER_NAMES.length];
    for (int i = 0; i < totals.length; i++) {
      totals[i] = getMetricGroup().counter(COUNTER_NAMES[i]);
    }
    join =
        new FeedbackJoin(feedback, classification, new KeyedStore(), this::register, new Trainer())
            .totals(counter -> totals[counter].inc());
  }

  /** An event: answered now, remembered until its outcome. */
  @Override
  public void processElement1(StreamRecord<DenseRequest> element) throws Exception {
    processDue();
    DenseRequest request = element.getValue();
    boolean onArrival = feedback.serving() == FeedbackConfig.Serving.ON_ARRIVAL;
    if (onArrival ? !processRequest(request, true) : refuseRequest(request)) {
      return; // refused (a dead letter with its reason): nothing to learn from
    }
    long time = timeOf(element, request.eventTime);
    boolean sparse = request.isSparse();
    int[] indices = sparse ? SparseRequests.indices(request, hashBits()) : NO_INDICES;
    float[] values = sparse ? SparseRequests.values(request) : NO_VALUES;
    PendingEvent event =
        onArrival
            ? new PendingEvent(request.features, indices, values, time, answer, answerVersion)
            : PendingEvent.unanswered(request.features, indices, values, time);
    String reason = join.onEvent(request.requestId, event, dueTimes.currentWatermark(), tally());
    if (reason != null) {
      if (!onArrival) {
        processRequest(request, true); // not remembered, but a request all the same
      }
      deadLetter(Predictions.refused(request, reason, processingTime()));
    }
  }

  /** A label: joined with its event, or waiting for it. */
  @Override
  public void processElement2(StreamRecord<Label> element) throws Exception {
    processDue();
    Label label = element.getValue();
    long time =
        timeOf(element, label.getEventTime() == null ? null : label.getEventTime().toEpochMilli());
    float weight = label.getWeight() == null ? 1f : label.getWeight();
    String reason = FeedbackConfig.invalidLabel(label.getLabel(), classification);
    if (reason == null && (!Float.isFinite(weight) || weight < 0f)) {
      reason = Float.isFinite(weight) ? "negative weight" : "non-finite weight";
    }
    if (reason == null && (label.getRequestId() == null || label.getRequestId().isEmpty())) {
      reason = "empty request id";
    }
    if (reason != null) {
      refuse(label.getRequestId(), label.getLabel(), weight, time, reason);
      return;
    }
    join.onLabel(label.getRequestId(), label.getLabel(), weight, time, tally());
  }

  /** The current key's tally, noted as changed (it is reported). */
  private FeedbackTally tally() throws Exception {
    changed.add((String) getCurrentKey());
    return host().feedback(classification);
  }

  /** A report of every model whose tally changed since its last one, in model order. */
  private void report() throws Exception {
    if (changed.isEmpty()) {
      return;
    }
    Object current = getCurrentKey();
    long now = processingTime();
    for (String id : new TreeSet<>(changed)) {
      setCurrentKey(id);
      FeedbackReport r =
          FeedbackReport.newBuilder()
              .setModelId(id)
              .setVersion(currentVersion())
              .setTimestamp(Instant.ofEpochMilli(now))
              .setMetrics(host().feedback(classification).toAvro())
              .build();
      output.collect(reportsTag, new StreamRecord<>(r));
    }
    changed.clear();
    if (current != null) {
      setCurrentKey(current);
    }
  }

  private static long timeOf(StreamRecord<?> element, Long eventTime) {
    if (element.hasTimestamp()) {
      return element.getTimestamp();
    }
    return eventTime != null ? eventTime : System.currentTimeMillis();
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    super.processWatermark(mark); // fires the due times into the list
    processDue();
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    processDue(); // fired timers are gone from the timer service: their work goes before the state
    super.prepareSnapshotPreBarrier(checkpointId);
  }

  /** The samples end when both inputs ended (then every window has closed: the last watermark). */
  @Override
  public void endInput(int inputId) throws Exception {
    processDue();
    if (++endedInputs == 2) {
      endOfSamples();
      report(); // the final accounting of every model that changed
    }
  }

  /** A slot's timer fired: every due time in it joins the due queue, as one run. */
  private final class DueTimes implements Triggerable<String, VoidNamespace> {
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
      slots.setCurrentNamespace(timer.getTimestamp());
      Iterable<Tuple2<Long, String>> entries = slots.get();
      if (entries != null) {
        List<Due> run = new ArrayList<>();
        for (Tuple2<Long, String> e : entries) {
          run.add(new Due(e.f0, timer.getKey(), e.f1));
        }
        due.addAll(run);
      }
      slots.clear();
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}
  }

  /**
   * The fired due times, in an order that does not depend on the inputs' interleaving nor on how
   * far each watermark moved: (time, model, request id), due times registered on the way (at or
   * before the watermark, where no timer would fire now) taking their place in it.
   */
  private void processDue() throws Exception {
    if (due.isEmpty()) {
      return;
    }
    Object current = getCurrentKey();
    Due last = null;
    for (Due d = due.poll(); d != null; d = due.poll()) {
      if (d.equals(last)) {
        continue; // registered twice: once is enough
      }
      if (last == null || !d.key().equals(last.key())) {
        setCurrentKey(d.key()); // due times come grouped by model within a time: set once a run
      }
      last = d;
      join.onTime(d.requestId(), d.time(), tally());
    }
    if (current != null) {
      setCurrentKey(current);
    }
  }

  /**
   * A due time of the current key: in its slot, whose timer fires once the watermark passed the
   * slot's last millisecond; straight into the due queue if it has already. Either way every due
   * time of a slot is processed at one watermark, in order, however far each watermark moved.
   */
  private void register(String requestId, long time) throws Exception {
    long slot = Math.floorDiv(time, slotMillis) * slotMillis + (slotMillis - 1);
    Object key = getCurrentKey();
    if (slot <= dueTimes.currentWatermark()) {
      due.add(new Due(time, (String) key, requestId));
      return;
    }
    slots.setCurrentNamespace(slot);
    slots.add(Tuple2.of(time, requestId));
    if (slot != lastSlot || !key.equals(lastSlotKey)) {
      dueTimes.registerEventTimeTimer(VoidNamespace.INSTANCE, slot);
      lastSlot = slot;
      lastSlotKey = key;
    }
  }

  private void refuse(String requestId, float label, float weight, long time, String reason) {
    Label record =
        Label.newBuilder()
            .setModelId((String) getCurrentKey())
            .setRequestId(requestId == null ? "" : requestId)
            .setLabel(label)
            .setWeight(weight)
            .setEventTime(Instant.ofEpochMilli(time))
            .build();
    try {
      deadLetter(
          DeadLetters.of(reason, record.getModelId(), record.toByteBuffer(), processingTime())
              .build());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private final class KeyedStore implements FeedbackJoin.Store {
    @Override
    public PendingEvent event(String requestId) throws Exception {
      return events.get(requestId);
    }

    @Override
    public void putEvent(String requestId, PendingEvent event) throws Exception {
      events.put(requestId, event);
    }

    @Override
    public void removeEvent(String requestId) throws Exception {
      events.remove(requestId);
    }

    @Override
    public EarlyLabel earlyLabel(String requestId) throws Exception {
      return earlyLabels.get(requestId);
    }

    @Override
    public void putEarlyLabel(String requestId, EarlyLabel label) throws Exception {
      earlyLabels.put(requestId, label);
    }

    @Override
    public void removeEarlyLabel(String requestId) throws Exception {
      earlyLabels.remove(requestId);
    }
  }

  private final class Trainer implements FeedbackJoin.Sink {
    @Override
    public float predict(PendingEvent event) throws Exception {
      return FeedbackTrainerOperator.this.predict(event.features, event.indices, event.values);
    }

    @Override
    public void train(PendingEvent event, float label, float weight) throws Exception {
      sample.modelId = (String) getCurrentKey();
      sample.features = event.features;
      sample.indices = event.indices;
      sample.values = event.values;
      sample.label = label;
      sample.weight = weight;
      sample.eventTime = null;
      processSample(sampleRecord);
    }

    @Override
    public void answer(String requestId, PendingEvent event) throws Exception {
      DenseRequest request =
          new DenseRequest((String) getCurrentKey(), requestId, event.features, event.eventTime)
              .withSparse(event.indices, event.values);
      processRequest(request, true);
      event.served = answer;
      event.servedVersion = answerVersion;
    }

    @Override
    public void refuseLabel(String requestId, float label, float weight, long time, String reason) {
      refuse(requestId, label, weight, time, reason);
    }
  }
}
