package io.streamgrad.jobs.dashboard;

import io.streamgrad.jobs.format.Json;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.schemas.FeedbackMetrics;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.QualityMetrics;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.Arrays;

/**
 * What the dashboard knows of one model: its latest snapshot's figures and its curves, and, when it
 * learns from outcomes, its latest feedback report and the served predictions' curve.
 */
final class ModelView {
  /** Weights shown per model (a bar chart of the first ones). */
  static final int WEIGHTS_SHOWN = 64;

  final String id;
  private final float[] trueWeights;
  private final Curve curve = new Curve(Curve.SNAPSHOT_SERIES);
  private final Curve feedbackCurve = new Curve(Curve.FEEDBACK_SERIES);
  private FeedbackMetrics feedback;
  private String feedbackMetric = "";

  private long version;
  private long samplesSeen;
  private float batchLoss = Float.NaN;
  private double prequentialLoss = Double.NaN;
  private String metricName = "";
  private double windowMetric = Double.NaN;
  private double weightError = Double.NaN;
  private long snapshotMillis;
  private long receivedMillis;
  private long drifts;
  private long gatedSnapshots;
  private long predictions;
  private float[] weights = new float[0];
  private double updatesPerSecond;
  private long lastRateMillis;
  private long lastRateVersion;

  ModelView(String id, float[] trueWeights) {
    this.id = id;
    this.trueWeights = trueWeights;
  }

  /** Takes a snapshot; older or repeated versions (an at-least-once replay) are ignored. */
  synchronized boolean apply(WeightSnapshot s, long now) {
    if (s.getVersion() <= version) {
      return false;
    }
    float[] w;
    try {
      float[] raw = SnapshotModels.rawLinear(s); // raw-space weights of a standardized model
      w = Arrays.copyOf(raw, raw.length - 1);
    } catch (IllegalArgumentException e) {
      w = FloatLists.unboxed(s.getWeights());
    }
    // Updates per second by the snapshots' own clock: right also when a topic is read from its
    // start.
    long taken = s.getTimestamp().toEpochMilli();
    if (lastRateMillis == 0) {
      lastRateMillis = taken;
      lastRateVersion = s.getVersion();
    } else if (taken - lastRateMillis >= 1000) {
      double rate = (s.getVersion() - lastRateVersion) * 1000.0 / (taken - lastRateMillis);
      updatesPerSecond = updatesPerSecond == 0 ? rate : 0.5 * updatesPerSecond + 0.5 * rate;
      lastRateMillis = taken;
      lastRateVersion = s.getVersion();
    }
    version = s.getVersion();
    samplesSeen = s.getSamplesSeen();
    batchLoss = s.getBatchLoss();
    prequentialLoss = s.getPrequentialLoss();
    QualityMetrics m = s.getMetrics();
    if (m != null && m.getWindowAuc() != null) {
      metricName = "auc";
      windowMetric = m.getWindowAuc();
    } else if (m != null && m.getWindowRmse() != null) {
      metricName = "rmse";
      windowMetric = m.getWindowRmse();
    }
    weightError = trueWeights == null ? Double.NaN : maxAbsError(w, trueWeights);
    snapshotMillis = s.getTimestamp().toEpochMilli();
    receivedMillis = now;
    drifts = s.getDrifts().size();
    gatedSnapshots = s.getGatedSnapshots();
    weights = Arrays.copyOf(w, Math.min(w.length, WEIGHTS_SHOWN));
    curve.add(samplesSeen, batchLoss, prequentialLoss, windowMetric, weightError);
    return true;
  }

  synchronized void predicted() {
    predictions++;
  }

  private static double maxAbsError(float[] w, float[] t) {
    double m = 0;
    for (int i = 0; i < Math.min(w.length, t.length); i++) {
      m = Math.max(m, Math.abs(w[i] - t[i]));
    }
    return m;
  }

  synchronized long version() {
    return version;
  }

  synchronized double prequentialLoss() {
    return prequentialLoss;
  }

  synchronized long samplesSeen() {
    return samplesSeen;
  }

  /** Recent updates per second; 0 once no snapshot came for {@value #IDLE_MILLIS} ms. */
  synchronized double updatesPerSecond(long now) {
    return now - receivedMillis > IDLE_MILLIS ? 0 : updatesPerSecond;
  }

  static final long IDLE_MILLIS = 10_000;

  /** Milliseconds since the last snapshot was taken (0 before the first). */
  synchronized long staleness(long now) {
    return snapshotMillis == 0 ? 0 : Math.max(0, now - snapshotMillis);
  }

  /** One row of the model list. */
  synchronized String rowJson(long now) {
    return "{\"id\": "
        + Json.string(id)
        + ", \"version\": "
        + version
        + ", \"samplesSeen\": "
        + samplesSeen
        + ", \"batchLoss\": "
        + Json.number(batchLoss)
        + ", \"prequentialLoss\": "
        + Json.number(prequentialLoss)
        + ", \"metric\": "
        + Json.string(metricName)
        + ", \"windowMetric\": "
        + Json.number(windowMetric)
        + ", \"updatesPerSecond\": "
        + Json.number(updatesPerSecond(now))
        + ", \"stalenessMs\": "
        + staleness(now)
        + ", \"drifts\": "
        + drifts
        + ", \"gatedSnapshots\": "
        + gatedSnapshots
        + ", \"predictions\": "
        + predictions
        + "}";
  }

  /** The model in full: its row, weights, true weights and curves. */
  synchronized String detailJson(long now) {
    StringBuilder b = new StringBuilder(rowJson(now));
    b.setLength(b.length() - 1);
    b.append(", \"weightError\": ").append(Json.number(weightError));
    b.append(", \"weights\": ").append(Json.array(weights));
    b.append(", \"trueWeights\": ")
        .append(
            trueWeights == null
                ? "null"
                : Json.array(
                    Arrays.copyOf(trueWeights, Math.min(WEIGHTS_SHOWN, trueWeights.length))));
    b.append(", \"curve\": ").append(curve.json("samples"));
    b.append(", \"feedback\": ").append(feedback == null ? "null" : feedbackJson());
    return b.append('}').toString();
  }

  /**
   * Takes a feedback report (the join's accounting and the served predictions' metrics); one that
   * says no more than the last (a replay) is ignored.
   */
  synchronized boolean feedback(FeedbackReport r) {
    FeedbackMetrics m = r.getMetrics();
    long progress = progress(m);
    if (feedback != null && progress <= progress(feedback)) {
      return false;
    }
    feedback = m;
    boolean classification = m.getWindowServedAuc() != null || m.getWindowServedLogLoss() != null;
    feedbackMetric = classification ? "auc" : "rmse";
    Double served = m.getWindowMeanServedPrediction();
    Double observed = m.getWindowObservedRate();
    feedbackCurve.add(
        m.getEvents(),
        // a regression's served errors have no recent version: since the start
        value(classification ? m.getWindowServedAuc() : m.getServedRmse()),
        value(classification ? m.getWindowServedLogLoss() : m.getServedMae()),
        classification && served != null && observed != null && observed > 0
            ? served / observed
            : Double.NaN,
        m.getPending());
    return true;
  }

  private static long progress(FeedbackMetrics m) {
    return m.getEvents() + m.getLabels() + m.getJoined() + m.getExpired() + m.getScored();
  }

  private static double value(Double v) {
    return v == null ? Double.NaN : v;
  }

  private String feedbackJson() {
    FeedbackMetrics m = feedback;
    return "{\"metric\": "
        + Json.string(feedbackMetric)
        + ", \"events\": "
        + m.getEvents()
        + ", \"labels\": "
        + m.getLabels()
        + ", \"joined\": "
        + m.getJoined()
        + ", \"expired\": "
        + m.getExpired()
        + ", \"pending\": "
        + m.getPending()
        + ", \"lateLabels\": "
        + m.getLateLabels()
        + ", \"orphanLabels\": "
        + m.getOrphanLabels()
        + ", \"duplicateLabels\": "
        + m.getDuplicateLabels()
        + ", \"deadLetters\": "
        + m.getDeadLetters()
        + ", \"scored\": "
        + m.getScored()
        + ", \"servedAuc\": "
        + Json.number(value(m.getServedAuc()))
        + ", \"servedLogLoss\": "
        + Json.number(value(m.getServedLogLoss()))
        + ", \"servedMae\": "
        + Json.number(value(m.getServedMae()))
        + ", \"servedRmse\": "
        + Json.number(value(m.getServedRmse()))
        + ", \"meanServedPrediction\": "
        + Json.number(value(m.getMeanServedPrediction()))
        + ", \"observedRate\": "
        + Json.number(value(m.getObservedRate()))
        + ", \"curve\": "
        + feedbackCurve.json("events")
        + "}";
  }
}
