package io.streamgrad.jobs.bench;

import com.sun.management.OperatingSystemMXBean;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.operator.ModelLifecycle;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.FeedbackStream;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.format.EventTime;
import io.streamgrad.jobs.format.JsonSamples;
import io.streamgrad.jobs.graph.FeedbackJob;
import io.streamgrad.jobs.graph.InputTap;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSources;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WireFormat;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Times the training job against a passthrough job over the same pre-loaded topic: same Kafka
 * source, decoding, validation, keying ({@link OnlineTrainer#keyedByModel}: chained at parallelism
 * 1) and Kafka sink, and one output record per batch in both; only the training differs.
 */
public final class PipelineBench {

  /** One configuration: features per sample, models, samples. */
  public record Config(int features, int models, long samples) {
    public String name() {
      return features + " features, " + models + (models == 1 ? " model" : " models");
    }
  }

  /** One timed job. */
  public record Run(
      String job, long samples, long outputs, double seconds, double cpuSeconds, double gcSeconds) {
    public double samplesPerSecond() {
      return samples / seconds;
    }

    public double cpuMicrosPerSample() {
      return cpuSeconds * 1e6 / samples;
    }
  }

  private final String bootstrapServers;
  private final int parallelism;
  private final int batchSize;

  private final String sampleFormat;
  private int hashBits; // > 0: click samples with tokens, trained by a sparse model

  public PipelineBench(String bootstrapServers, int parallelism, int batchSize) {
    this(bootstrapServers, parallelism, batchSize, "avro");
  }

  /** A bench whose topics hold samples in {@code sampleFormat} (avro or json). */
  public PipelineBench(
      String bootstrapServers, int parallelism, int batchSize, String sampleFormat) {
    this.bootstrapServers = bootstrapServers;
    this.parallelism = parallelism;
    this.batchSize = batchSize;
    this.sampleFormat = sampleFormat;
  }

  /**
   * Click samples (30 tokens of 10^6 each, {@link SyntheticData#sparse}) trained by an FTRL
   * sparse-logistic model of {@code 2^hashBits} coordinates, a snapshot every 10 updates.
   */
  public PipelineBench sparse(int hashBits) {
    this.hashBits = hashBits;
    return this;
  }

  /**
   * Distinct tokens of each model's click simulation: a million for one model, fewer per model for
   * many (each simulation keeps its own tables: a thousand models of a million tokens each were
   * gigabytes of generator, and the bench ran out of heap before the job started).
   */
  static int distinctTokens(Config config) {
    return Math.max(10_000, 1_000_000 / config.models());
  }

  /** Writes {@code config.samples()} synthetic samples, keyed by model id, to a new topic. */
  public void preload(String topic, Config config, long seed) throws Exception {
    EmbeddedKafka.createTopics(bootstrapServers, parallelism, topic);
    Properties p = bulkProducerProperties();
    SyntheticData data = new SyntheticData(config.features(), config.models(), 0.1f, seed);
    if (hashBits > 0) {
      data.sparse(distinctTokens(config), 30);
    }
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(p)) {
      boolean json = sampleFormat.equals("json");
      for (long i = 0; i < config.samples(); i++) {
        Sample s = data.next();
        if (json) {
          producer.send(
              new ProducerRecord<>(
                  topic, s.getModelId().getBytes(StandardCharsets.UTF_8), JsonSamples.encode(s)));
        } else {
          send(producer, topic, s);
        }
      }
      producer.flush();
    }
  }

  /**
   * Runs training steps of {@code config}'s shape for {@code millis} outside Flink, so the kernels
   * are compiled by C2 before the first timed job: in a short job the JIT's queue is busy with
   * Flink and Kafka, and a step can stay interpreted (the Vector API is only fast once C2 has
   * intrinsified it) for most of the run. A production job runs for hours; the bench reports that
   * steady state.
   */
  public void warmUpEngine(Config config, long millis) {
    OnlineTrainer trainer =
        OnlineTrainer.builder().features(config.features()).batchSize(batchSize).build();
    ModelTrainer t = new ModelTrainer(trainer.config(), "warm-up");
    SyntheticData data = new SyntheticData(config.features(), 1, 0.1f, 1);
    float[][] xs = new float[batchSize][];
    float[] ys = new float[batchSize];
    for (int i = 0; i < batchSize; i++) {
      xs[i] = DenseSample.of(data.next()).features;
      ys[i] = i;
    }
    long end = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < end) {
      for (int i = 0; i < batchSize; i++) {
        t.add(xs[i], ys[i] * 1e-3f, 1f);
      }
      t.step();
    }
  }

  /**
   * Runs the training job (batches of {@code batchSize}, one snapshot per update) over {@code
   * topic}.
   */
  public Run train(String topic, Config config) throws Exception {
    return train(topic, config, RuntimeSettings.StateBackend.HASHMAP, ModelLifecycle.AUTO);
  }

  /** The same on {@code backend}, with at most {@code maxLiveModels} live models per subtask. */
  public Run train(
      String topic, Config config, RuntimeSettings.StateBackend backend, int maxLiveModels)
      throws Exception {
    return train(topic, config, backend, maxLiveModels, QualitySpec.DEFAULT, 1);
  }

  /** The same with {@code quality} (preprocessing, metrics, drift detection). */
  public Run train(String topic, Config config, QualitySpec quality) throws Exception {
    return train(
        topic, config, RuntimeSettings.StateBackend.HASHMAP, ModelLifecycle.AUTO, quality, 1);
  }

  /** The same with a snapshot every {@code snapshotEvery} updates (train's default is 10). */
  public Run train(String topic, Config config, int snapshotEvery) throws Exception {
    return train(
        topic,
        config,
        RuntimeSettings.StateBackend.HASHMAP,
        ModelLifecycle.AUTO,
        QualitySpec.DEFAULT,
        snapshotEvery);
  }

  private Run train(
      String topic,
      Config config,
      RuntimeSettings.StateBackend backend,
      int maxLiveModels,
      QualitySpec quality,
      int snapshotEvery)
      throws Exception {
    OnlineTrainer trainer = trainer(config, maxLiveModels, quality, snapshotEvery);
    return time(
        "train",
        topic,
        config,
        backend,
        samples ->
            trainer.trainDense(
                samples.map(new Meters.First<>()).returns(OnlineTrainer.denseSampleType())));
  }

  /** The train job's trainer, a snapshot every {@code snapshotEvery} updates. */
  public OnlineTrainer trainer(Config config, int snapshotEvery) {
    return trainer(config, ModelLifecycle.AUTO, QualitySpec.DEFAULT, snapshotEvery);
  }

  private OnlineTrainer trainer(
      Config config, int maxLiveModels, QualitySpec quality, int snapshotEvery) {
    OnlineTrainer.Builder b =
        OnlineTrainer.builder()
            .features(config.features())
            .batchSize(batchSize)
            .snapshotEvery(snapshotEvery)
            .maxLiveModels(maxLiveModels)
            .quality(quality);
    if (hashBits > 0) {
      b.model(SparseModels.logistic(hashBits))
          .optimizer(Optimizers.ftrl(0.1))
          .snapshotEvery(Math.max(10, snapshotEvery));
    }
    return b.build();
  }

  /** Runs the passthrough job over {@code topic}. */
  public Run passthrough(String topic, Config config) throws Exception {
    return time(
        "passthrough",
        topic,
        config,
        RuntimeSettings.StateBackend.HASHMAP, // keeps its counts in a plain map, no Flink state
        samples ->
            OnlineTrainer.keyedByModel(
                    samples.map(new Meters.First<>()).returns(OnlineTrainer.denseSampleType()))
                .transform(
                    "Passthrough", OnlineTrainer.snapshotType(), new PassthroughOperator(batchSize))
                .uid("streamgrad-passthrough"));
  }

  /**
   * Runs a job of Flink's Kafka source and the train job's decoder over {@code topic} and nothing
   * after them (no keying, no model, no sink): what any job that reads the topic with Flink's Kafka
   * connector reaches on this machine.
   */
  public Run read(String topic, Config config) throws Exception {
    KafkaSettings kafka = readingOnce(topic, "read");
    RuntimeSettings rt = RuntimeSettings.builder().build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            parallelism, rt.miniClusterConfig(parallelism));
    rt.applyTo(env);
    TrainJob.withoutDefensiveCopies(env);
    KafkaSources.decoded(
            env,
            kafka,
            topic,
            TrainJob.sampleDecoder(kafka, config.features(), hashBits),
            OnlineTrainer.denseSampleType(),
            "samples")
        .map(new Meters.Through<>())
        .returns(OnlineTrainer.denseSampleType())
        .sinkTo(new DiscardingSink<>());
    Run run = Meters.run("read", env.execute("streamgrad-bench-read"));
    if (run.samples() != config.samples()) {
      throw new IllegalStateException(
          "read saw " + run.samples() + " samples, expected " + config.samples());
    }
    return run;
  }

  /**
   * Settings of a bench job that reads {@code topic} once, from its beginning to its end now, as a
   * consumer group of its own; its snapshots go to {@code <topic>-out-<job>}.
   */
  private KafkaSettings readingOnce(String topic, String job) {
    return KafkaSettings.builder()
        .bootstrapServers(bootstrapServers)
        .samplesTopic(topic)
        .snapshotsTopic(topic + "-out-" + job)
        .deadLettersTopic(topic + "-dead-letters")
        .groupId("streamgrad-bench-" + UUID.randomUUID())
        .startingOffsets(StartingOffsets.EARLIEST)
        .bounded(true)
        .sampleFormat(KafkaSettings.SampleFormat.parse(sampleFormat))
        .build();
  }

  private Run time(
      String job,
      String topic,
      Config config,
      RuntimeSettings.StateBackend backend,
      TrainJob.Stage stage)
      throws Exception {
    KafkaSettings kafka = readingOnce(topic, job);
    EmbeddedKafka.createTopics(
        bootstrapServers, parallelism, kafka.snapshotsTopic(), kafka.deadLettersTopic());

    RuntimeSettings rt = RuntimeSettings.builder().stateBackend(backend).build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            parallelism, rt.miniClusterConfig(parallelism));
    rt.applyTo(env); // no Kryo, the state backend, no checkpoints
    TrainJob.build(
        env,
        kafka,
        config.features(),
        hashBits,
        samples ->
            stage.apply(samples).map(new Meters.Last<>()).returns(OnlineTrainer.snapshotType()));

    PipelineBench.Run run = Meters.run(job, env.execute("streamgrad-bench-" + job));
    if (run.samples() != config.samples()) {
      throw new IllegalStateException(
          job + " saw " + run.samples() + " samples, expected " + config.samples());
    }
    return run;
  }

  /**
   * The same events three ways, to new topics: {@code <topic>-samples} holds each event with its
   * outcome already joined (what the train job reads), {@code <topic>-requests} and {@code
   * <topic>-labels} the served stream and its outcomes {@code labelDelayMillis} later on average
   * (what the feedback job reads). Click outcomes of a logistic model; labels for clicks only.
   */
  public void preloadFeedback(String topic, Config config, long labelDelayMillis, long seed)
      throws Exception {
    String samples = topic + "-samples";
    String requests = topic + "-requests";
    String labels = topic + "-labels";
    EmbeddedKafka.createTopics(bootstrapServers, parallelism, samples, requests, labels);
    Properties p = bulkProducerProperties();
    SyntheticData data = new SyntheticData(config.features(), config.models(), 0.1f, seed);
    if (hashBits > 0) {
      data.sparse(distinctTokens(config), 30);
    }
    double rate = 100; // events per second of event time
    long start =
        System.currentTimeMillis() - FeedbackStream.spanMillis(config.samples(), rate) - 3_600_000;
    FeedbackStream stream =
        new FeedbackStream(
            data, true, config.samples(), rate, labelDelayMillis, 0, 0, false, start, seed);
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(p)) {
      while (stream.hasNext()) {
        FeedbackStream.Item item = stream.next();
        if (item instanceof FeedbackStream.Event e) {
          PredictionRequest r = e.request();
          byte[] key = r.getModelId().getBytes(StandardCharsets.UTF_8);
          producer.send(new ProducerRecord<>(requests, null, e.time(), key, WireFormat.encode(r)));
          Sample s =
              Sample.newBuilder()
                  .setModelId(r.getModelId())
                  .setFeatures(r.getFeatures())
                  .setTokens(r.getTokens())
                  .setLabel(e.outcome())
                  .build();
          producer.send(new ProducerRecord<>(samples, null, e.time(), key, WireFormat.encode(s)));
        } else {
          FeedbackStream.Outcome o = (FeedbackStream.Outcome) item;
          producer.send(
              new ProducerRecord<>(
                  labels,
                  null,
                  o.time(),
                  o.label().getModelId().getBytes(StandardCharsets.UTF_8),
                  WireFormat.encode(o.label())));
        }
      }
      producer.flush();
    }
  }

  /**
   * The trainer both jobs of {@link #preloadFeedback} run: a click model, a snapshot per update.
   */
  private OnlineTrainer clickTrainer(Config config) {
    OnlineTrainer.Builder b =
        OnlineTrainer.builder()
            .features(config.features())
            .batchSize(batchSize)
            .snapshotEvery(1)
            .model(Models.logistic())
            .optimizer(Optimizers.adam(0.01));
    if (hashBits > 0) {
      b.model(SparseModels.logistic(hashBits)).optimizer(Optimizers.ftrl(0.1)).snapshotEvery(10);
    }
    return b.build();
  }

  /** The train job over the pre-joined samples of {@link #preloadFeedback}. */
  public Run trainJoined(String topic, Config config) throws Exception {
    OnlineTrainer trainer = clickTrainer(config);
    return time(
        "train",
        topic + "-samples",
        config,
        RuntimeSettings.StateBackend.HASHMAP,
        samples ->
            trainer.trainDense(
                samples.map(new Meters.First<>()).returns(OnlineTrainer.denseSampleType())));
  }

  /**
   * The feedback job (answer on arrival, join in a 5-minute window, train) over the requests and
   * labels of {@link #preloadFeedback}; timed from its first request to its last snapshot.
   */
  public Run feedback(String topic, Config config, FeedbackConfig feedback) throws Exception {
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers(bootstrapServers)
            .requestsTopic(topic + "-requests")
            .labelsTopic(topic + "-labels")
            .snapshotsTopic(topic + "-out-feedback")
            .predictionsTopic(topic + "-predictions")
            .feedbackTopic(topic + "-feedback")
            .deadLettersTopic(topic + "-dead-letters")
            .groupId("streamgrad-bench-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.EARLIEST)
            .bounded(true)
            .build();
    EmbeddedKafka.createTopics(
        bootstrapServers,
        parallelism,
        kafka.snapshotsTopic(),
        kafka.predictionsTopic(),
        kafka.feedbackTopic(),
        kafka.deadLettersTopic());
    RuntimeSettings rt = RuntimeSettings.builder().build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            parallelism, rt.miniClusterConfig(parallelism));
    rt.applyTo(env);
    InputTap first =
        new InputTap() {
          @Override
          public <T> DataStream<T> apply(DataStream<T> input, TypeInformation<T> type) {
            return input.map(new Meters.First<T>()).returns(type).name("Bench: first event");
          }
        };
    FeedbackJob.build(
            env,
            kafka,
            clickTrainer(config),
            feedback,
            EventTime.defaults(),
            OnlineTrainer.DEFAULT_REPORT_INTERVAL,
            first)
        .map(new Meters.Last<>())
        .returns(OnlineTrainer.snapshotType())
        .sinkTo(new DiscardingSink<>())
        .name("Bench: last snapshot");
    Run run = Meters.run("feedback", env.execute("streamgrad-bench-feedback"));
    if (run.samples() != config.samples()) {
      throw new IllegalStateException(
          "feedback saw " + run.samples() + " events, expected " + config.samples());
    }
    return run;
  }

  /** Sample-to-snapshot latency percentiles, in milliseconds. */
  public record Latency(
      double ratePerSecond,
      long samples,
      double p50,
      double p99,
      double max,
      long bufferTimeoutMillis) {}

  /**
   * Latency from a sample's send to the arrival, at a consumer, of the first snapshot that covers
   * it (one model, so {@code samplesSeen} says which samples a snapshot covers), with samples sent
   * at a steady {@code rate} into a running training job. The samples of the last, never completed
   * batch are not counted (no {@code maxBatchDelay} here).
   */
  public Latency latency(
      String topic, int features, double rate, double seconds, long bufferTimeoutMillis)
      throws Exception {
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers(bootstrapServers)
            .samplesTopic(topic)
            .snapshotsTopic(topic + "-out")
            .deadLettersTopic(topic + "-dead-letters")
            .groupId("streamgrad-bench-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.EARLIEST)
            .build();
    EmbeddedKafka.createTopics(
        bootstrapServers, 1, topic, kafka.snapshotsTopic(), kafka.deadLettersTopic());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    env.configure(conf, PipelineBench.class.getClassLoader());
    env.setBufferTimeout(bufferTimeoutMillis);
    OnlineTrainer trainer =
        OnlineTrainer.builder().features(features).batchSize(batchSize).snapshotEvery(1).build();
    TrainJob.build(env, kafka, trainer);
    JobClient job = env.executeAsync("streamgrad-bench-latency");
    try (SnapshotClock clock = new SnapshotClock(bootstrapServers, kafka.snapshotsTopic());
        KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(producerProperties("1"))) {
      SyntheticData data = new SyntheticData(features, 1, 0.1f, 7);
      // Warm-up: the job is live once its first snapshots arrive.
      int warmup = batchSize * 20;
      for (int i = 0; i < warmup; i++) {
        send(producer, topic, data.next());
      }
      producer.flush();
      clock.awaitSamplesSeen(warmup, 60_000);
      int n = (int) (rate * seconds);
      long[] sent = new long[n];
      long start = System.nanoTime();
      double intervalNanos = 1e9 / rate;
      for (int i = 0; i < n; i++) {
        long due = start + (long) (i * intervalNanos);
        while (System.nanoTime() < due) {
          Thread.onSpinWait();
        }
        sent[i] = System.nanoTime();
        send(producer, topic, data.next());
      }
      producer.flush();
      int covered = (n / batchSize) * batchSize;
      clock.awaitSamplesSeen(warmup + covered, 60_000);
      long[] latencies = new long[covered];
      for (int i = 0; i < covered; i++) {
        latencies[i] = clock.arrivalCovering(warmup + i + 1) - sent[i];
      }
      Arrays.sort(latencies);
      return new Latency(
          rate,
          covered,
          percentile(latencies, 0.50),
          percentile(latencies, 0.99),
          latencies[covered - 1] / 1e6,
          bufferTimeoutMillis);
    } finally {
      job.cancel().get();
    }
  }

  static double percentile(long[] sortedNanos, double q) {
    int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1);
    return sortedNanos[Math.max(0, i)] / 1e6;
  }

  /** A producer for pre-loading topics: large batches, a leader's ack. */
  private Properties bulkProducerProperties() {
    Properties p = producerProperties("20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
    p.put(ProducerConfig.ACKS_CONFIG, "1");
    return p;
  }

  private Properties producerProperties(String lingerMs) {
    Properties p = KafkaClients.settings(bootstrapServers);
    p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    return p;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, Sample s) {
    producer.send(KafkaClients.record(topic, s));
  }

  static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }
}
