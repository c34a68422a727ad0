package io.streamgrad.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.cluster.FlinkRest;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Label;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * What pending events cost the feedback job: events whose label window (a day) is far from closing,
 * none labelled, stream into the feedback operator at full speed (no Kafka: the cost measured is
 * the state's), and every completed checkpoint is read from Flink's REST API — full state size,
 * what the checkpoint wrote (incremental on RocksDB), duration — beside the events pending at its
 * trigger, the JVM's heap in use and its resident memory.
 */
public final class PendingStateBench {

  /** One completed checkpoint. */
  public record Row(
      long pending,
      long stateBytes,
      long checkpointedBytes,
      long durationMillis,
      long heapUsedBytes,
      long residentBytes) {}

  /** Events created by the job's source, across the whole JVM (the MiniCluster runs in it). */
  static final AtomicLong PRODUCED = new AtomicLong();

  private static final long EVENTS_PER_SECOND = 1_000; // of event time: 10M events in 2.8 h
  private static final long START = 1_700_000_000_000L;

  /** Event {@code i}: one of {@code models} models, 16 features, in event-time order. */
  static final class Events implements MapFunction<Long, DenseRequest> {
    private static final long serialVersionUID = 1L;
    private final int models;

    Events(int models) {
      this.models = models;
    }

    @Override
    public DenseRequest map(Long i) {
      PRODUCED.incrementAndGet();
      float[] x = new float[16];
      x[(int) (i % 16)] = 1f;
      x[(int) ((i / 16) % 16)] += 0.5f;
      return new DenseRequest(
          "m" + (i % models), "r" + i, x, START + i * 1_000 / EVENTS_PER_SECOND);
    }
  }

  /** The first {@code events} numbers; after them the source idles (a checkpoint can pass). */
  static final class FirstOnes implements FilterFunction<Long> {
    private static final long serialVersionUID = 1L;
    private final long events;

    FirstOnes(long events) {
      this.events = events;
    }

    @Override
    public boolean filter(Long i) throws InterruptedException {
      if (i < events) {
        return true;
      }
      Thread.sleep(50);
      return false;
    }
  }

  private final Path dir;
  private final long intervalMillis;

  public PendingStateBench(Path dir, long intervalMillis) {
    this.dir = dir;
    this.intervalMillis = intervalMillis;
  }

  /**
   * Runs until {@code events} are pending and a checkpoint holding all of them completed; returns
   * every completed checkpoint in order. Pending events at a trigger are the events the source had
   * made by then (give or take the records in flight: network buffers, some thousands).
   */
  public List<Row> run(RuntimeSettings.StateBackend backend, long events, int models)
      throws Exception {
    CheckpointingCluster cluster =
        CheckpointingCluster.create(
            backend, intervalMillis, dir.resolve(backend.flinkName).toUri().toString());
    StreamExecutionEnvironment env = cluster.env();
    PRODUCED.set(0);
    DataStream<DenseRequest> requests =
        env.fromSequence(0, Long.MAX_VALUE - 1)
            .filter(new FirstOnes(events))
            .map(new Events(models))
            .returns(DenseRequest.class)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<DenseRequest>forMonotonousTimestamps()
                    .withTimestampAssigner((r, t) -> r.eventTime));
    DataStream<Label> labels =
        env.fromSequence(0, 0)
            .filter(i -> false)
            .map(i -> (Label) null)
            .returns(OnlineTrainer.labelType())
            .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps());
    OnlineTrainer.builder()
        .features(16)
        .build()
        .trainWithFeedback(
            requests,
            labels,
            FeedbackConfig.builder().labelWindow(Duration.ofHours(24)).build(),
            OnlineTrainer.DEFAULT_REPORT_INTERVAL)
        .sinkTo(new DiscardingSink<>());
    JobClient job = env.executeAsync("streamgrad-pending-state-bench");
    TreeMap<Long, Long> producedAt = new TreeMap<>(); // wall time -> events made by then
    List<Row> rows = new ArrayList<>();
    try {
      FlinkRest rest = cluster.rest();
      String id = job.getJobID().toHexString();
      long seen = -1;
      while (rows.isEmpty() || rows.get(rows.size() - 1).pending() < events) {
        Thread.sleep(200);
        producedAt.put(System.currentTimeMillis(), PRODUCED.get());
        if (job.getJobStatus().get().isGloballyTerminalState()) {
          throw new IllegalStateException("the pending-state bench job ended");
        }
        JsonNode latest = rest.get("/jobs/" + id + "/checkpoints").path("latest").path("completed");
        long checkpoint = latest.path("id").asLong(-1);
        if (checkpoint <= seen) {
          continue;
        }
        seen = checkpoint;
        var before = producedAt.floorEntry(latest.path("trigger_timestamp").asLong());
        Runtime jvm = Runtime.getRuntime();
        Row row =
            new Row(
                before == null ? 0 : before.getValue(),
                latest.path("state_size").asLong(),
                latest.path("checkpointed_size").asLong(),
                latest.path("end_to_end_duration").asLong(),
                jvm.totalMemory() - jvm.freeMemory(),
                residentBytes());
        System.err.println("bench: " + row);
        rows.add(row);
      }
      return rows;
    } finally {
      job.cancel().get();
    }
  }

  /** This process's resident memory (Linux), or -1. */
  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      // not Linux: unknown
    }
    return -1;
  }
}
