package io.streamgrad.jobs.bench;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.graph.InputTap;
import io.streamgrad.jobs.graph.PredictJob;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Times the predictor job against a passthrough job of the same pipeline (same Kafka sources,
 * decoding, connect and keyBy, Kafka sink, one prediction per request) over the same pre-loaded
 * requests and snapshots; and request-to-prediction latency at a steady rate into a running
 * predictor job.
 */
public final class ServingBench {

  private final String bootstrapServers;
  private final int parallelism;

  public ServingBench(String bootstrapServers, int parallelism) {
    this.bootstrapServers = bootstrapServers;
    this.parallelism = parallelism;
  }

  /** Topics holding one snapshot per model and {@code requests} requests for them, in turn. */
  public record Topics(String requests, String snapshots, long count) {}

  /** Writes a trained snapshot of each of {@code models} models and {@code requests} requests. */
  public Topics preload(String prefix, int features, int models, long requests) throws Exception {
    Topics t = new Topics(prefix + "-requests", prefix + "-snapshots", requests);
    EmbeddedKafka.createTopics(bootstrapServers, parallelism, t.requests(), t.snapshots());
    SyntheticData data = new SyntheticData(features, models, 0.1f, 3);
    SplittableRandom rng = new SplittableRandom(4);
    Properties p = KafkaClients.settings(bootstrapServers);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(p)) {
      writeSnapshots(producer, t.snapshots(), features, models);
      for (long i = 0; i < requests; i++) {
        send(producer, t.requests(), data.request(i, rng));
      }
      producer.flush();
    }
    return t;
  }

  private static void writeSnapshots(
      KafkaProducer<byte[], byte[]> producer, String topic, int features, int models) {
    OnlineTrainer config = OnlineTrainer.builder().features(features).batchSize(4).build();
    SplittableRandom rng = new SplittableRandom(5);
    for (int m = 0; m < models; m++) {
      String id = "model-" + m;
      ModelTrainer trainer = new ModelTrainer(config.config(), id);
      for (int i = 0; i < 4; i++) {
        float[] x = new float[features];
        for (int j = 0; j < features; j++) {
          x[j] = (float) rng.nextGaussian();
        }
        trainer.add(x, x[0], 1f);
      }
      trainer.step();
      producer.send(
          new ProducerRecord<>(
              topic,
              id.getBytes(StandardCharsets.UTF_8),
              WireFormat.encode(Snapshots.of(id, trainer, false, System.currentTimeMillis()))));
    }
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer, String topic, PredictionRequest r) {
    producer.send(
        new ProducerRecord<>(
            topic, r.getModelId().getBytes(StandardCharsets.UTF_8), WireFormat.encode(r)));
  }

  /**
   * Runs forward passes of every batch size up to {@code batchSize} outside Flink for {@code
   * millis}, so that the kernels are compiled by C2 before the first timed job (see {@link
   * PipelineBench#warmUpEngine}).
   */
  public void warmUpEngine(int features, int batchSize, long millis) {
    OnlineTrainer config = OnlineTrainer.builder().features(features).batchSize(4).build();
    ModelTrainer trainer = new ModelTrainer(config.config(), "warm-up");
    ServedModel model = ServedModel.of(Snapshots.of("warm-up", trainer, false, 0L));
    float[] x = new float[batchSize * features];
    float[] out = new float[batchSize];
    long end = System.nanoTime() + millis * 1_000_000;
    for (int n = 1; System.nanoTime() < end; n = n % batchSize + 1) {
      model.predict(x, n, out);
    }
  }

  /** The predictor job over the pre-loaded topics. */
  public PipelineBench.Run predictor(Topics t, int batchSize) throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder()
            .maxBatchSize(batchSize)
            .maxBatchDelay(Duration.ofMillis(2))
            .build();
    return time("predict", t, predictor::predict);
  }

  /** The same pipeline, answering without a model. */
  public PipelineBench.Run passthrough(Topics t) throws Exception {
    return time(
        "passthrough",
        t,
        (requests, snapshots) ->
            requests
                .keyBy(r -> r.modelId, Types.STRING)
                .connect(snapshots.keyBy(s -> s.getModelId(), Types.STRING))
                .transform(
                    "Passthrough",
                    OnlinePredictor.predictionType(),
                    new PassthroughServingOperator())
                .uid("streamgrad-serving-passthrough"));
  }

  private PipelineBench.Run time(String job, Topics t, PredictJob.Stage stage) throws Exception {
    KafkaSettings kafka = settings(t, job).toBuilder().bounded(true).build();
    RuntimeSettings rt = RuntimeSettings.builder().build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            parallelism, rt.miniClusterConfig(parallelism));
    rt.applyTo(env);
    PredictJob.build(
        env,
        kafka,
        (requests, snapshots) ->
            stage
                .apply(
                    requests.map(new Meters.First<>()).returns(OnlinePredictor.denseRequestType()),
                    snapshots)
                .map(new Meters.Last<>())
                .returns(OnlinePredictor.predictionType()),
        InputTap.NONE);
    PipelineBench.Run run = Meters.run(job, env.execute("streamgrad-bench-serving-" + job));
    if (run.samples() != t.count() || run.outputs() != t.count()) {
      throw new IllegalStateException(
          job
              + " answered "
              + run.outputs()
              + " of "
              + run.samples()
              + " requests, expected "
              + t.count());
    }
    return run;
  }

  private KafkaSettings settings(Topics t, String job) throws Exception {
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers(bootstrapServers)
            .requestsTopic(t.requests())
            .snapshotsTopic(t.snapshots())
            .predictionsTopic(t.requests() + "-out-" + job)
            .deadLettersTopic(t.requests() + "-dead-letters")
            .groupId("streamgrad-bench-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.EARLIEST)
            .build();
    EmbeddedKafka.createTopics(
        bootstrapServers, parallelism, kafka.predictionsTopic(), kafka.deadLettersTopic());
    return kafka;
  }

  /**
   * Request-to-prediction latency: requests sent at a steady {@code rate} for {@code seconds} into
   * a running predictor job (one model of {@code features} features), each timed from its send to
   * the arrival of its prediction at a consumer.
   */
  public PipelineBench.Latency latency(
      String prefix, int features, double rate, double seconds, long bufferTimeoutMillis)
      throws Exception {
    Topics t = preload(prefix, features, 1, 0);
    KafkaSettings kafka = settings(t, "latency");
    RuntimeSettings rt = RuntimeSettings.builder().build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(1, rt.miniClusterConfig(1));
    rt.applyTo(env);
    env.setBufferTimeout(bufferTimeoutMillis);
    PredictJob.build(
        env,
        kafka,
        OnlinePredictor.builder().maxBatchSize(64).maxBatchDelay(Duration.ofMillis(2)).build());
    JobClient job = env.executeAsync("streamgrad-bench-serving-latency");
    // Warm-up at the measured rate for as long as the measurement: the JIT compiles the whole
    // path (Kafka, Flink, the predictor) under the load it is then timed at.
    int warmup = (int) (rate * seconds);
    int n = (int) (rate * seconds);
    long[] arrival = new long[warmup + n];
    long[] sent = new long[warmup + n];
    try (Arrivals arrivals = new Arrivals(kafka.predictionsTopic(), arrival);
        KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(lingerProperties("1"))) {
      SyntheticData data = new SyntheticData(features, 1, 0.1f, 3);
      SplittableRandom rng = new SplittableRandom(6);
      PredictionRequest[] requests = new PredictionRequest[warmup + n];
      for (int i = 0; i < requests.length; i++) {
        requests[i] = data.request(i, rng);
      }
      long start = System.nanoTime();
      double intervalNanos = 1e9 / rate;
      for (int i = 0; i < warmup + n; i++) {
        // Parked, not spinning: on 2 cores a spinning sender would take a core from the job.
        // Each request's latency counts from when it was really sent.
        long wait = start + (long) (i * intervalNanos) - System.nanoTime();
        if (wait > 100_000) {
          LockSupport.parkNanos(wait);
        }
        sent[i] = System.nanoTime();
        send(producer, t.requests(), requests[i]);
      }
      producer.flush();
      arrivals.await(warmup + n, 120_000);
      long[] latencies = new long[n];
      for (int i = 0; i < n; i++) {
        latencies[i] = arrival[warmup + i] - sent[warmup + i];
      }
      Arrays.sort(latencies);
      return new PipelineBench.Latency(
          rate,
          n,
          PipelineBench.percentile(latencies, 0.50),
          PipelineBench.percentile(latencies, 0.99),
          latencies[n - 1] / 1e6,
          bufferTimeoutMillis);
    } finally {
      job.cancel().get();
    }
  }

  private Properties lingerProperties(String lingerMs) {
    Properties p = KafkaClients.settings(bootstrapServers);
    p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    return p;
  }

  /** A consumer thread that notes when the prediction of request {@code req-i} arrives. */
  private final class Arrivals implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final long[] arrival;
    private volatile boolean running = true;
    private int count; // guarded by this

    Arrivals(String topic, long[] arrival) {
      this.arrival = arrival;
      consumer = KafkaClients.consumer(bootstrapServers, false);
      KafkaClients.readFromStart(consumer, topic);
      thread = new Thread(this::poll, "prediction-arrivals");
      thread.setDaemon(true);
      thread.start();
    }

    private void poll() {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
          long now = System.nanoTime();
          String id = WireFormat.prediction(r.value()).getRequestId();
          int i = Integer.parseInt(id.substring("req-".length()));
          synchronized (this) {
            if (arrival[i] == 0) {
              arrival[i] = now;
              count++;
            }
            notifyAll();
          }
        }
      }
    }

    synchronized void await(int predictions, long timeoutMillis)
        throws InterruptedException, TimeoutException {
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (count < predictions) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new TimeoutException(count + " predictions arrived, waited for " + predictions);
        }
        wait(left);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
      consumer.close();
    }
  }
}
