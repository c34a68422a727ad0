package io.streamgrad.jobs.bench;

import io.streamgrad.jobs.format.SampleFormatDecoder;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The least a training pipeline can cost on this machine, written by hand without Flink: the bare
 * consumer's thread reads and decodes each poll, as in {@link WireBench#consume}, and hands it to a
 * second thread (a queue of two polls, as Flink's source hands its fetcher's polls to the task
 * thread) that trains each sample's model with the job's own {@link ModelTrainer} and sends a
 * snapshot every {@code snapshotEvery} updates with the job's encoding. No keying, no state
 * backend, no checkpoints, no dead letters, no metrics: what is left is the work any job that
 * trains must do beside reading, so its rate against the bare consumer's is the most a job can
 * reach here.
 */
public final class TwoThreadTrainer {
  private static final DenseSample[] END = new DenseSample[0];

  private final TrainerConfig config;
  private final io.streamgrad.schemas.ModelSpec spec;
  private final String snapshotsTopic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, ModelTrainer> trainers = new HashMap<>();
  private final BlockingQueue<DenseSample[]> polls = new ArrayBlockingQueue<>(2);
  private long trained;
  private long snapshots;

  TwoThreadTrainer(
      TrainerConfig config, String snapshotsTopic, KafkaProducer<byte[], byte[]> producer) {
    this.config = config;
    this.spec = SnapshotModels.toAvro(config.model.spec(config.features));
    this.snapshotsTopic = snapshotsTopic;
    this.producer = producer;
  }

  /** CPU time of the two threads, in nanoseconds, over one run. */
  public record Threads(long reader, long trainer) {}

  /** The two threads' CPU per sample over {@code rounds} of {@code samples} each, median. */
  public static void print(List<Threads> rounds, long samples) {
    if (rounds.isEmpty()) {
      return;
    }
    long[] reader = rounds.stream().mapToLong(Threads::reader).sorted().toArray();
    long[] trainer = rounds.stream().mapToLong(Threads::trainer).sorted().toArray();
    System.out.printf(
        "two threads, no Flink: CPU µs/sample by thread (median of %d rounds): reading %.3f,"
            + " training %.3f%n",
        rounds.size(),
        reader[reader.length / 2] / 1e3 / samples,
        trainer[trainer.length / 2] / 1e3 / samples);
  }

  /**
   * Reads {@code count} samples with {@code consumer} (already positioned) and trains on them;
   * returns when the last was trained and every snapshot acknowledged. {@code atFirstRecord} runs
   * when the first poll with records returned.
   */
  Threads run(
      KafkaConsumer<byte[], byte[]> consumer,
      SampleFormatDecoder decoder,
      long count,
      Runnable atFirstRecord)
      throws Exception {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    long[] trainerCpu = new long[1];
    Thread training =
        new Thread(
            () -> {
              long from = cpu.getCurrentThreadCpuTime();
              try {
                trainAll();
              } catch (Throwable t) {
                failed.set(t);
                drainToEnd(); // else the reader blocks on a full queue and never sees the failure
              }
              trainerCpu[0] = cpu.getCurrentThreadCpuTime() - from;
            },
            "bench-two-thread-trainer");
    training.start();
    long from = cpu.getCurrentThreadCpuTime();
    Decoded decoded = new Decoded();
    long seen = 0;
    try {
      while (seen < count && failed.get() == null) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        if (seen == 0) {
          atFirstRecord.run();
        }
        decoded.start(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) {
          decoder.deserialize(r, decoded);
          seen++;
        }
        polls.put(decoded.samples());
      }
    } finally {
      polls.put(END);
    }
    long readerCpu = cpu.getCurrentThreadCpuTime() - from;
    training.join();
    if (failed.get() != null) {
      throw new IllegalStateException("the training thread failed", failed.get());
    }
    producer.flush();
    if (trained != count) {
      throw new IllegalStateException("trained on " + trained + " samples of " + count);
    }
    return new Threads(readerCpu, trainerCpu[0]);
  }

  private void trainAll() throws InterruptedException {
    for (DenseSample[] poll = polls.take(); poll != END; poll = polls.take()) {
      for (DenseSample s : poll) {
        train(s);
      }
    }
  }

  /** Takes polls until the reader's last, so that the reader never waits for room. */
  private void drainToEnd() {
    try {
      while (polls.take() != END) {
        // discarded: the run fails
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void train(DenseSample s) {
    ModelTrainer t = trainers.computeIfAbsent(s.modelId, id -> new ModelTrainer(config, id));
    boolean full =
        s.isSparse()
            ? t.add(s.features, s.indices, s.values, s.label, s.weight)
            : t.add(s.features, s.label, s.weight);
    trained++;
    if (full
        && t.step() == ModelTrainer.StepResult.TRAINED
        && t.version() % config.snapshotEvery == 0) {
      byte[] key = s.modelId.getBytes(StandardCharsets.UTF_8);
      for (WeightSnapshot w :
          Snapshots.publish(
              s.modelId, t, config.snapshotOptimizerState, System.currentTimeMillis(), spec)) {
        producer.send(new ProducerRecord<>(snapshotsTopic, key, WireFormat.encode(w)));
        snapshots++;
      }
      t.markEmitted();
    }
  }

  /** Snapshots sent in the run. */
  long snapshots() {
    return snapshots;
  }

  /** One poll's good samples, in a new array per poll: the trainer thread owns what it takes. */
  private static final class Decoded implements Collector<Either<DenseSample, DeadLetter>> {
    private DenseSample[] samples;
    private int n;

    void start(int capacity) {
      samples = new DenseSample[capacity];
      n = 0;
    }

    DenseSample[] samples() {
      return n == samples.length ? samples : Arrays.copyOf(samples, n);
    }

    @Override
    public void collect(Either<DenseSample, DeadLetter> record) {
      if (record.isLeft()) {
        samples[n++] = record.left();
      }
    }

    @Override
    public void close() {}
  }
}
