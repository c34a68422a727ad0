package io.streamgrad.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.cluster.FlinkRest;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DenseSample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Checkpoint size and duration against the number of models touched since the last checkpoint. A
 * job (parallelism 1, no Kafka: the cost measured is the state's) first creates {@code models}
 * models, then sends samples round-robin to the first {@code touched} of them at a rate that
 * touches each once per checkpoint interval. After the population, {@link #CHECKPOINTS} checkpoints
 * are read from Flink's REST API (checkpointed size: what the checkpoint wrote; full state size;
 * end-to-end duration) with the trainer's own count of models written at the barrier.
 */
public final class CheckpointBench {
  static final int CHECKPOINTS = 4;

  /** One measured configuration: medians over {@link #CHECKPOINTS} checkpoints. */
  public record Row(
      String backend,
      int models,
      int touched,
      long checkpointedBytes,
      long stateBytes,
      long durationMillis) {}

  private final int features;
  private final int batchSize;
  private final long intervalMillis;
  private final Path dir;

  public CheckpointBench(int features, int batchSize, long intervalMillis, Path dir) {
    this.features = features;
    this.batchSize = batchSize;
    this.intervalMillis = intervalMillis;
    this.dir = dir;
  }

  /** Samples created by the job's map, across the whole JVM (the MiniCluster runs in it). */
  static final AtomicLong PRODUCED = new AtomicLong();

  /** Sample {@code i}: first one per model, then round-robin over the first {@code touched}. */
  static final class Samples implements MapFunction<Long, DenseSample> {
    private static final long serialVersionUID = 1L;
    private final int models;
    private final int touched;
    private final int features;
    private final double perMilli;
    private transient long start;

    Samples(int models, int touched, int features, double perMilli) {
      this.models = models;
      this.touched = touched;
      this.features = features;
      this.perMilli = perMilli;
    }

    @Override
    public DenseSample map(Long i) throws InterruptedException {
      long k = i - models;
      if (k >= 0) { // the steady phase: paced
        if (k == 0) {
          start = System.currentTimeMillis();
        }
        long due = start + (long) (k / perMilli);
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
      }
      PRODUCED.incrementAndGet();
      int m = k < 0 ? (int) (long) i : (int) (k % touched);
      float[] x = new float[features];
      x[(int) (i % features)] = 1f;
      return new DenseSample("m" + m, x, 1f, 1f);
    }
  }

  /**
   * One sparse model of {@code 2^bits} coordinates: impressions of 32 coordinates, first sweeping
   * the whole space once (every chunk in state), then paced to touch {@code touched} random
   * coordinates per checkpoint interval.
   */
  static final class SparseSamples implements MapFunction<Long, DenseSample> {
    private static final long serialVersionUID = 1L;
    static final int PER_SAMPLE = 32;
    private final int bits;
    private final double perMilli;
    private transient long start;
    private transient java.util.SplittableRandom rnd;

    SparseSamples(int bits, double perMilli) {
      this.bits = bits;
      this.perMilli = perMilli;
    }

    /** Samples of the sweep over every coordinate. */
    static long sweep(int bits) {
      return (1L << bits) / PER_SAMPLE;
    }

    @Override
    public DenseSample map(Long i) throws InterruptedException {
      long k = i - sweep(bits);
      int[] idx = new int[PER_SAMPLE];
      if (k < 0) {
        for (int j = 0; j < PER_SAMPLE; j++) {
          idx[j] = (int) (i * PER_SAMPLE + j);
        }
      } else {
        if (k == 0) {
          start = System.currentTimeMillis();
          rnd = new java.util.SplittableRandom(7);
        }
        long wait = start + (long) (k / perMilli) - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        for (int j = 0; j < PER_SAMPLE; j++) {
          idx[j] = rnd.nextInt(1 << bits);
        }
      }
      PRODUCED.incrementAndGet();
      float[] v = new float[PER_SAMPLE];
      java.util.Arrays.fill(v, 1f);
      DenseSample s = new DenseSample("ads", new float[0], i % 3 == 0 ? 1f : 0f, 1f);
      s.indices = idx;
      s.values = v;
      return s;
    }
  }

  /** Checkpoints of one sparse FTRL model against the coordinates touched per interval. */
  public Row runSparse(RuntimeSettings.StateBackend backend, int bits, int touched)
      throws Exception {
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(0)
            .model(SparseModels.logistic(bits))
            .optimizer(Optimizers.ftrl(0.1))
            .batchSize(batchSize)
            .snapshotEvery(1_000_000)
            .build();
    double perMilli = touched / (double) SparseSamples.PER_SAMPLE / intervalMillis;
    return measure(
        backend,
        "sparse-" + touched,
        trainer,
        new SparseSamples(bits, perMilli),
        SparseSamples.sweep(bits) + touched / SparseSamples.PER_SAMPLE,
        1 << bits,
        touched);
  }

  public Row run(RuntimeSettings.StateBackend backend, int models, int touched) throws Exception {
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(features)
            .batchSize(batchSize)
            .snapshotEvery(1_000_000) // the state is measured, not the snapshots
            .build();
    double perMilli = touched / (double) intervalMillis;
    return measure(
        backend,
        String.valueOf(touched),
        trainer,
        new Samples(models, touched, features, perMilli),
        models + (long) touched,
        models,
        touched);
  }

  private Row measure(
      RuntimeSettings.StateBackend backend,
      String name,
      OnlineTrainer trainer,
      MapFunction<Long, DenseSample> samples,
      long populated,
      int models,
      int touched)
      throws Exception {
    CheckpointingCluster cluster =
        CheckpointingCluster.create(
            backend,
            intervalMillis,
            dir.resolve(backend.flinkName + "-" + name).toUri().toString());
    StreamExecutionEnvironment env = cluster.env();
    PRODUCED.set(0);
    trainer
        .trainDense(
            env.fromSequence(0, Long.MAX_VALUE - 1)
                .map(samples)
                .returns(OnlineTrainer.denseSampleType()))
        .sinkTo(new DiscardingSink<>());
    JobClient job = env.executeAsync("streamgrad-checkpoint-bench");
    try {
      FlinkRest rest = cluster.rest();
      String id = job.getJobID().toHexString();
      while (PRODUCED.get() < populated) { // populated, one round of touches
        Thread.sleep(200);
      }
      long after = System.currentTimeMillis();
      List<JsonNode> done = new ArrayList<>();
      while (done.size() < CHECKPOINTS) {
        Thread.sleep(500);
        done.clear();
        for (JsonNode c : rest.get("/jobs/" + id + "/checkpoints").path("history")) {
          if (c.path("status").asText().equals("COMPLETED")
              && c.path("trigger_timestamp").asLong() > after + intervalMillis) {
            done.add(c);
          }
        }
        if (job.getJobStatus().get().isGloballyTerminalState()) {
          throw new IllegalStateException("the checkpoint bench job ended");
        }
      }
      return new Row(
          backend.flinkName,
          models,
          touched,
          median(done, "checkpointed_size"),
          median(done, "state_size"),
          median(done, "end_to_end_duration"));
    } finally {
      job.cancel().get();
    }
  }

  private static long median(List<JsonNode> checkpoints, String field) {
    long[] v = checkpoints.stream().mapToLong(c -> c.path(field).asLong()).sorted().toArray();
    return v[v.length / 2];
  }
}
