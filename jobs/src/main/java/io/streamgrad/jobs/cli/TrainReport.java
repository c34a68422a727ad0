package io.streamgrad.jobs.cli;

import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.FeedbackMetrics;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.Printable;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a {@code train} run did, read from what it wrote: its snapshots and dead letters after the
 * topics' ends when it started (committed records only, so exactly what survived restarts). Samples
 * trained on are each model's newest {@code samplesSeen} less what it had seen when the run
 * started. Progress lines while the job runs, the accounting when it ends.
 */
final class TrainReport implements AutoCloseable {

  /** The end-of-run accounting. */
  record Accounting(
      long trained,
      int models,
      long snapshots,
      Map<String, Long> deadLetters,
      int restarts,
      double seconds,
      FeedbackTotals feedback) {

    long deadLetterCount() {
      return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The share of the input refused: dead letters over samples trained plus dead letters. */
    double refusedFraction() {
      long input = trained + deadLetterCount();
      return input == 0 ? 0 : (double) deadLetterCount() / input;
    }

    String line() {
      StringBuilder b = new StringBuilder();
      b.append(String.format("%,d samples trained on by %,d models", trained, models));
      b.append(String.format(", %,d snapshots", snapshots));
      b.append(String.format(", %,d dead letters", deadLetterCount()));
      if (!deadLetters.isEmpty()) {
        b.append(" (");
        String sep = "";
        for (var e : deadLetters.entrySet()) {
          b.append(sep).append(Printable.escape(e.getKey())).append(": ").append(e.getValue());
          sep = "; ";
        }
        b.append(')');
      }
      b.append(String.format(", %d restarts, %.1f s", Math.max(0, restarts), seconds));
      if (feedback.models > 0) {
        b.append("; feedback (the models' totals): ").append(feedback.line());
      }
      return b.toString();
    }
  }

  private final KafkaOptions kafka;
  private final String snapshotsTopic;
  private final String deadLettersTopic;
  private final Set<String> inputTopics;
  private final long startNanos = System.nanoTime();
  private final long startMillis = System.currentTimeMillis();
  private String feedbackTopic;
  private final Map<String, Long> baseline;
  private final Map<String, Long> latest = new HashMap<>();
  private final Map<String, FeedbackMetrics> feedback = new HashMap<>();
  private final Map<String, Long> deadLetters = new TreeMap<>();
  private long trained;
  private long snapshots;
  private TopicTail snapshotTail;
  private TopicTail deadLetterTail;
  private long lastTrained;
  private long lastNanos = startNanos;

  /**
   * @param baseline each model's {@code samplesSeen} when the run started (absent: zero)
   * @param inputTopics the topics whose dead letters are this job's (besides the trainer's own,
   *     which name no topic)
   */
  TrainReport(
      KafkaOptions kafka,
      String snapshotsTopic,
      String deadLettersTopic,
      Set<String> inputTopics,
      Map<String, Long> baseline) {
    this.kafka = kafka;
    this.snapshotsTopic = snapshotsTopic;
    this.deadLettersTopic = deadLettersTopic;
    this.inputTopics = inputTopics;
    this.baseline = baseline;
    // Where the run starts: the topics' ends now (a topic created later is read from its start).
    if (exists(snapshotsTopic)) {
      snapshotTail = TopicTail.fromEnd(kafka, snapshotsTopic, true);
    }
    if (exists(deadLettersTopic)) {
      deadLetterTail = TopicTail.fromEnd(kafka, deadLettersTopic, true);
    }
  }

  /** Reads the feedback job's reports on {@code topic} at the end (their newest per model). */
  TrainReport withFeedback(String topic) {
    this.feedbackTopic = topic;
    return this;
  }

  /** Reads what arrived since the last call and prints one line to {@code out}. */
  void progress(int restarts, PrintStream out) {
    try {
      readAvailable();
    } catch (RuntimeException e) {
      out.println("streamgrad train: progress unknown (" + Failures.describe(e) + ")");
      return;
    }
    long now = System.nanoTime();
    double rate = (trained - lastTrained) / Math.max(1e-9, (now - lastNanos) / 1e9);
    lastTrained = trained;
    lastNanos = now;
    long dead = deadLetters.values().stream().mapToLong(Long::longValue).sum();
    out.printf(
        "streamgrad train: %,d samples trained (%,.0f/s), %,d models, %,d snapshots, %,d dead"
            + " letters, %s restarts%n",
        trained, rate, latest.size(), snapshots, dead, restarts < 0 ? "?" : restarts);
  }

  /** Reads everything committed now and returns the accounting. */
  Accounting finish(int restarts) {
    if (tails()) {
      snapshotTail.readToEnd(this::snapshot);
      if (deadLetterTail != null) {
        deadLetterTail.readToEnd(this::deadLetter);
      }
    }
    return new Accounting(
        trained,
        latest.size(),
        snapshots,
        new TreeMap<>(deadLetters),
        restarts,
        (System.nanoTime() - startNanos) / 1e9,
        feedbackTotals());
  }

  private FeedbackTotals feedbackTotals() {
    if (feedbackTopic != null && exists(feedbackTopic)) {
      try (TopicTail tail = TopicTail.open(kafka, feedbackTopic, startMillis, true)) {
        tail.readToEnd(this::report);
      }
    }
    return FeedbackTotals.of(feedback.values());
  }

  /** A model's report: the newest one of each model is its total. */
  private void report(ConsumerRecord<byte[], byte[]> r) {
    try {
      FeedbackReport report = WireFormat.feedbackReport(r.value());
      feedback.put(report.getModelId(), report.getMetrics());
    } catch (RuntimeException e) {
      // another writer's record on a shared topic
    }
  }

  private void readAvailable() {
    if (!tails()) {
      return;
    }
    while (snapshotTail.poll(Duration.ofMillis(100), this::snapshot) > 0) {}
    if (deadLetterTail != null) {
      while (deadLetterTail.poll(Duration.ofMillis(100), this::deadLetter) > 0) {}
    }
  }

  /** Opens the tails once their topics exist (a sink may create its topic on first write). */
  private boolean tails() {
    if (snapshotTail == null && exists(snapshotsTopic)) {
      snapshotTail = TopicTail.open(kafka, snapshotsTopic, 0, true);
    }
    if (deadLetterTail == null && exists(deadLettersTopic)) {
      deadLetterTail = TopicTail.open(kafka, deadLettersTopic, 0, true);
    }
    return snapshotTail != null;
  }

  private boolean exists(String topic) {
    try (var check = kafka.preflight()) {
      return check.missing(java.util.List.of(topic)).isEmpty();
    }
  }

  private void snapshot(ConsumerRecord<byte[], byte[]> r) {
    WeightSnapshot s;
    try {
      s = WireFormat.snapshot(r.value());
    } catch (RuntimeException e) {
      return; // not ours to judge: watch shows what the topic holds
    }
    if (!SnapshotModels.firstPart(s)) {
      return;
    }
    snapshots++;
    String id = s.getModelId();
    long seen = s.getSamplesSeen();
    Long before = latest.put(id, seen);
    long from = before != null ? before : baseline.getOrDefault(id, 0L);
    trained += Math.max(0, seen - from);
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r) {
    try {
      DeadLetter d = WireFormat.deadLetter(r.value());
      // The decoder's name the topic read; the trainer's (a refused step's samples) none.
      if (d.getSourceTopic() == null || inputTopics.contains(d.getSourceTopic().toString())) {
        deadLetters.merge(d.getReason(), 1L, Long::sum);
      }
    } catch (RuntimeException e) {
      // another writer's record on a shared topic
    }
  }

  @Override
  public void close() {
    if (snapshotTail != null) {
      snapshotTail.close();
    }
    if (deadLetterTail != null) {
      deadLetterTail.close();
    }
  }
}
