package io.streamgrad.jobs.dashboard;

import io.streamgrad.jobs.format.Json;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Everything the dashboard shows, fed by {@link Feed} and read by {@link DashboardServer}: each
 * model's view, the job's rates (samples and dead letters per second, from the snapshots' counts
 * and the dead-letter topic), and what the feed still waits for. Thread-safe.
 */
public final class Board {
  /** Seconds of per-second history kept for the job's rates. */
  static final int SECONDS = 120;

  private final Map<String, ModelView> models = new ConcurrentHashMap<>();
  private final Map<String, float[]> trueWeights;
  private final LongSupplier clock;
  private final AtomicLong changes = new AtomicLong();
  private final PerSecond samples;
  private final Map<String, PerSecond> deadLetters = new TreeMap<>();
  private final Map<String, Long> deadLetterTotals = new TreeMap<>();
  private volatile Set<String> waitingFor = Set.of();
  private volatile String bootstrapServers = "";
  private volatile IntSupplier restarts;

  public Board(Map<String, float[]> trueWeights, LongSupplier clock) {
    this.trueWeights = Map.copyOf(trueWeights);
    this.clock = clock;
    this.samples = new PerSecond(SECONDS);
  }

  public Board() {
    this(Map.of(), System::currentTimeMillis);
  }

  /** A count of changes so far: readers wait for it to move. */
  public long changes() {
    return changes.get();
  }

  /** Takes a snapshot: the model's figures, its curve, the job's samples per second. */
  public void snapshot(WeightSnapshot s) {
    if (!SnapshotModels.firstPart(s)) {
      return; // another part of a sparse model's snapshot: the same figures
    }
    long now = clock.getAsLong();
    ModelView m =
        models.computeIfAbsent(s.getModelId(), id -> new ModelView(id, trueWeights.get(id)));
    long before = m.samplesSeen();
    if (m.apply(s, now)) {
      synchronized (samples) {
        samples.add(now, Math.max(0, s.getSamplesSeen() - before));
      }
      changes.incrementAndGet();
    }
  }

  /** Takes a model's feedback report (served predictions against outcomes, the join's counts). */
  public void feedback(FeedbackReport r) {
    ModelView m =
        models.computeIfAbsent(r.getModelId(), id -> new ModelView(id, trueWeights.get(id)));
    if (m.feedback(r)) {
      changes.incrementAndGet();
    }
  }

  /** Counts a dead letter of {@code reason} (by its kind: up to the first colon). */
  public void deadLetter(String reason) {
    String kind = reason == null ? "" : reason.split(":", 2)[0];
    long now = clock.getAsLong();
    synchronized (deadLetters) {
      deadLetters.computeIfAbsent(kind, k -> new PerSecond(SECONDS)).add(now, 1);
      deadLetterTotals.merge(kind, 1L, Long::sum);
    }
    changes.incrementAndGet();
  }

  /** Counts a prediction served for {@code modelId}. */
  public void prediction(String modelId) {
    ModelView m = models.get(modelId);
    if (m != null) {
      m.predicted();
      changes.incrementAndGet();
    }
  }

  /** The topics the feed waits for (they do not exist yet), on {@code bootstrapServers}. */
  void waitingFor(Set<String> topics, String bootstrapServers) {
    if (!topics.equals(waitingFor)) {
      waitingFor = Set.copyOf(topics);
      this.bootstrapServers = bootstrapServers;
      changes.incrementAndGet();
    }
  }

  public Set<String> waitingFor() {
    return waitingFor;
  }

  /**
   * Where the job's restarts are counted (a local run knows them; a cluster's REST API), or null; a
   * negative count means unknown.
   */
  public void restarts(IntSupplier counter) {
    this.restarts = counter;
  }

  public int modelCount() {
    return models.size();
  }

  /** The job: models, rates, dead letters by reason (per second, the last minute), status. */
  public String summaryJson() {
    long now = clock.getAsLong();
    StringBuilder b = new StringBuilder("{\"models\": ").append(models.size());
    synchronized (samples) {
      b.append(", \"samplesPerSecond\": ").append(Json.number(samples.rate(now, 5)));
      b.append(", \"samplesSeen\": ").append(samples.total());
    }
    IntSupplier r = restarts;
    int n = r == null ? -1 : r.getAsInt();
    b.append(", \"restarts\": ").append(n < 0 ? "null" : Integer.toString(n));
    b.append(", \"waitingFor\": [");
    int i = 0;
    for (String t : waitingFor.stream().sorted().toList()) {
      b.append(i++ == 0 ? "" : ", ").append(Json.string(t));
    }
    b.append("], \"bootstrapServers\": ").append(Json.string(bootstrapServers));
    synchronized (deadLetters) {
      b.append(", \"deadLetters\": {");
      i = 0;
      for (Map.Entry<String, Long> e : deadLetterTotals.entrySet()) {
        b.append(i++ == 0 ? "" : ", ")
            .append(Json.string(e.getKey()))
            .append(": ")
            .append(e.getValue());
      }
      b.append("}, \"deadLettersPerSecond\": {");
      i = 0;
      for (Map.Entry<String, PerSecond> e : deadLetters.entrySet()) {
        b.append(i++ == 0 ? "" : ", ")
            .append(Json.string(e.getKey()))
            .append(": ")
            .append(e.getValue().lastSecondsJson(now, 60));
      }
    }
    return b.append("}, \"changes\": ").append(changes.get()).append('}').toString();
  }

  /** How the model list sorts. */
  public enum Sort {
    /** Highest prequential loss first. */
    LOSS,
    /** Longest without a snapshot first. */
    STALENESS,
    /** Most updates per second first. */
    TRAFFIC,
    /** By id. */
    ID;

    static Sort parse(String s) {
      try {
        return s == null ? LOSS : valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return LOSS;
      }
    }
  }

  /**
   * At most {@code limit} models whose id contains {@code query}, sorted: what the page lists
   * (never every model at once).
   */
  public String modelsJson(Sort sort, String query, int limit) {
    long now = clock.getAsLong();
    String q = query == null ? "" : query.toLowerCase(Locale.ROOT);
    List<ModelView> matching = new ArrayList<>();
    for (ModelView m : models.values()) {
      if (q.isEmpty() || m.id.toLowerCase(Locale.ROOT).contains(q)) {
        matching.add(m);
      }
    }
    Comparator<ModelView> order =
        switch (sort) {
          case LOSS -> Comparator.comparingDouble((ModelView m) -> -nanLast(m.prequentialLoss()));
          case STALENESS -> Comparator.comparingLong((ModelView m) -> -m.staleness(now));
          case TRAFFIC -> Comparator.comparingDouble((ModelView m) -> -m.updatesPerSecond(now));
          case ID -> Comparator.comparing((ModelView m) -> m.id);
        };
    matching.sort(order.thenComparing(m -> m.id));
    StringBuilder b =
        new StringBuilder("{\"total\": ")
            .append(models.size())
            .append(", \"matching\": ")
            .append(matching.size())
            .append(", \"models\": [");
    for (int i = 0; i < Math.min(limit, matching.size()); i++) {
      b.append(i == 0 ? "" : ", ").append(matching.get(i).rowJson(now));
    }
    return b.append("]}").toString();
  }

  private static double nanLast(double v) {
    return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
  }

  /** One model in full, or null when there is no such model. */
  public String modelJson(String id) {
    ModelView m = id == null ? null : models.get(id);
    return m == null ? null : m.detailJson(clock.getAsLong());
  }

  /** Counts per second over the last {@code seconds} seconds, in a ring. */
  static final class PerSecond {
    private final long[] second;
    private final long[] count;
    private long total;

    PerSecond(int seconds) {
      second = new long[seconds];
      count = new long[seconds];
    }

    void add(long millis, long n) {
      long s = millis / 1000;
      int i = (int) (s % second.length);
      if (second[i] != s) {
        second[i] = s;
        count[i] = 0;
      }
      count[i] += n;
      total += n;
    }

    long total() {
      return total;
    }

    /** The mean per second over the last {@code seconds} full seconds. */
    double rate(long millis, int seconds) {
      long now = millis / 1000;
      long sum = 0;
      for (int k = 1; k <= seconds; k++) {
        sum += at(now - k);
      }
      return (double) sum / seconds;
    }

    private long at(long s) {
      int i = (int) (s % second.length);
      return second[i] == s ? count[i] : 0;
    }

    /** The last {@code seconds} full seconds' counts, oldest first. */
    String lastSecondsJson(long millis, int seconds) {
      long now = millis / 1000;
      StringBuilder b = new StringBuilder("[");
      for (long s = now - seconds; s < now; s++) {
        b.append(s == now - seconds ? "" : ", ").append(at(s));
      }
      return b.append(']').toString();
    }
  }
}
