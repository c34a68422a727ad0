package io.streamgrad.jobs.bench;

import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.format.EventTime;
import io.streamgrad.jobs.format.RequestDecoder;
import io.streamgrad.jobs.format.SampleFormatDecoder;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSinks;
import io.streamgrad.jobs.kafka.KafkaSources;
import io.streamgrad.online.serving.Predictions;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WireFormat;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The wire's speed: one thread that reads a topic with a plain Kafka consumer and decodes every
 * record with the training job's own decoder (the same {@code SampleReader}, the same validation),
 * and nothing else. What the training job reaches against it is what the job's pipeline costs
 * beyond reading the input.
 */
public final class WireBench {
  private final String bootstrapServers;

  public WireBench(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Reads and decodes {@code config.samples()} samples of {@code topic} (samples with a sparse part
   * of {@code 2^hashBits} coordinates when {@code hashBits > 0}); timed from the first record to
   * the last, as the job is.
   */
  public PipelineBench.Run consume(String topic, PipelineBench.Config config, int hashBits)
      throws Exception {
    KafkaSettings kafka = samples(topic, topic + "-unused");
    SampleFormatDecoder decoder = sampleDecoder(kafka, config, hashBits);
    Counting counted = new Counting();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (KafkaConsumer<byte[], byte[]> consumer = consumerOfTheJob(kafka)) {
      Start start =
          readAll(
              consumer,
              topic,
              config.samples(),
              threads::getCurrentThreadCpuTime,
              r -> decoder.deserialize(r, counted));
      if (counted.good != config.samples()) {
        throw new IllegalStateException(
            "the consumer decoded " + counted.good + " good samples of " + config.samples());
      }
      return start.run("consumer", config.samples(), 0);
    }
  }

  /**
   * Reads {@code topic} as {@link #consume} does and trains on it on a second thread ({@link
   * TwoThreadTrainer}): the most any training job reaches here. Its CPU is the whole process's, as
   * a job's is; {@code threads} gets the reading and the training thread's.
   */
  public PipelineBench.Run consumeAndTrain(
      String topic,
      PipelineBench.Config config,
      int hashBits,
      TrainerConfig trainer,
      List<TwoThreadTrainer.Threads> threads)
      throws Exception {
    String snapshotsTopic = topic + "-out-two-threads";
    KafkaSettings kafka = samples(topic, snapshotsTopic);
    EmbeddedKafka.createTopics(bootstrapServers, 1, snapshotsTopic);
    SampleFormatDecoder decoder = sampleDecoder(kafka, config, hashBits);
    try (KafkaConsumer<byte[], byte[]> consumer = consumerOfTheJob(kafka);
        KafkaProducer<byte[], byte[]> producer =
            producerOfTheJob(KafkaSinks.snapshotWriting(kafka, hashBits))) {
      KafkaClients.readFromStart(consumer, topic);
      TwoThreadTrainer pipeline = new TwoThreadTrainer(trainer, snapshotsTopic, producer);
      Start[] start = new Start[1];
      threads.add(
          pipeline.run(
              consumer,
              decoder,
              config.samples(),
              () ->
                  start[0] =
                      new Start(
                          System.nanoTime(),
                          PipelineBench.processCpuNanos(),
                          gcMillis(),
                          PipelineBench::processCpuNanos)));
      return start[0].run("two threads", config.samples(), pipeline.snapshots());
    }
  }

  /**
   * Serving at the wire's speed: one thread reads {@code requestsTopic} with a plain consumer,
   * decodes each request with the feedback job's own decoder and writes a prediction for it to
   * {@code predictionsTopic} with the job's prediction producer settings, encoded as the job
   * encodes them (a constant answer: no model, no join, no training, no Flink). Timed from the
   * first request to the last prediction acknowledged; its CPU is the whole process's (the broker
   * and the producer's I/O thread included), as a job's is.
   */
  public PipelineBench.Run serve(
      String requestsTopic, String predictionsTopic, PipelineBench.Config config) throws Exception {
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers(bootstrapServers)
            .samplesTopic(requestsTopic + "-unused")
            .requestsTopic(requestsTopic)
            .predictionsTopic(predictionsTopic)
            .snapshotsTopic(requestsTopic + "-unused")
            .deadLettersTopic(requestsTopic + "-unused")
            .build();
    RequestDecoder decoder =
        new RequestDecoder(config.features(), kafka.maxRecordBytes(), EventTime.defaults());
    decoder.open(null);
    Answering answers = new Answering();
    try (KafkaConsumer<byte[], byte[]> consumer = consumerOfTheJob(kafka);
        KafkaProducer<byte[], byte[]> producer =
            producerOfTheJob(KafkaSinks.predictionWriting(kafka))) {
      answers.producer = producer;
      answers.topic = predictionsTopic;
      Start start =
          readAll(
              consumer,
              requestsTopic,
              config.samples(),
              PipelineBench::processCpuNanos,
              r -> decoder.deserialize(r, answers));
      producer.flush();
      if (answers.answered != config.samples()) {
        throw new IllegalStateException(
            "answered " + answers.answered + " requests of " + config.samples());
      }
      return start.run("serve", config.samples(), answers.answered);
    }
  }

  /** Settings that read samples from {@code topic}; nothing is written to their other topics. */
  private KafkaSettings samples(String topic, String snapshotsTopic) {
    return KafkaSettings.builder()
        .bootstrapServers(bootstrapServers)
        .samplesTopic(topic)
        .snapshotsTopic(snapshotsTopic)
        .deadLettersTopic(topic + "-unused")
        .build();
  }

  /** The train job's decoder of {@code kafka}'s samples, opened. */
  private static SampleFormatDecoder sampleDecoder(
      KafkaSettings kafka, PipelineBench.Config config, int hashBits) {
    SampleFormatDecoder decoder = TrainJob.sampleDecoder(kafka, config.features(), hashBits);
    decoder.open(null);
    return decoder;
  }

  /** A consumer that reads as the job's sources read ({@link KafkaSources#consumerProperties}). */
  private KafkaConsumer<byte[], byte[]> consumerOfTheJob(KafkaSettings kafka) {
    Properties p = KafkaClients.settings(bootstrapServers);
    p.putAll(KafkaSources.consumerProperties(kafka));
    return KafkaClients.consumer(p, false);
  }

  /** A producer that writes as the job's sink of {@code writing} does. */
  private KafkaProducer<byte[], byte[]> producerOfTheJob(KafkaSettings writing) {
    Properties p = KafkaClients.settings(bootstrapServers);
    p.putAll(writing.clientProperties());
    return KafkaClients.producer(p);
  }

  /** When a timed read began, by the wall clock, a CPU clock and the GC's. */
  private record Start(long nanos, long cpuNanos, long gcAt, LongSupplier cpuClock) {
    /** The run from this start to now. */
    PipelineBench.Run run(String job, long samples, long outputs) {
      return new PipelineBench.Run(
          job,
          samples,
          outputs,
          (System.nanoTime() - nanos) / 1e9,
          (cpuClock.getAsLong() - cpuNanos) / 1e9,
          (WireBench.gcMillis() - gcAt) / 1e3);
    }
  }

  /**
   * Hands every record of {@code topic}, from its beginning, to {@code each} until {@code count}
   * were; timed from the first record, on {@code cpuClock}.
   */
  private static Start readAll(
      KafkaConsumer<byte[], byte[]> consumer,
      String topic,
      long count,
      LongSupplier cpuClock,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    KafkaClients.readFromStart(consumer, topic);
    Start start = null;
    long seen = 0;
    while (seen < count) {
      var records = consumer.poll(Duration.ofMillis(200));
      if (records.isEmpty()) {
        continue;
      }
      if (start == null) {
        start = new Start(System.nanoTime(), cpuClock.getAsLong(), gcMillis(), cpuClock);
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        each.accept(r);
        seen++;
      }
    }
    return start;
  }

  /** Answers each decoded request with a prediction sent to Kafka. */
  private static final class Answering implements Collector<Either<DenseRequest, DeadLetter>> {
    KafkaProducer<byte[], byte[]> producer;
    String topic;
    long answered;

    @Override
    public void collect(Either<DenseRequest, DeadLetter> record) {
      if (record.isLeft()) {
        DenseRequest r = record.left();
        Prediction answer = Predictions.of(r, 0.5f, 1, 0, false);
        producer.send(
            new ProducerRecord<>(
                topic, r.modelId.getBytes(StandardCharsets.UTF_8), WireFormat.encode(answer)));
        answered++;
      }
    }

    @Override
    public void close() {}
  }

  static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  /** Counts what the decoder gives, as the job's next operator would take it. */
  private static final class Counting implements Collector<Either<DenseSample, DeadLetter>> {
    long good;
    long bad;
    long checksum; // keeps the decoded values alive: no dead-code elimination

    @Override
    public void collect(Either<DenseSample, DeadLetter> record) {
      if (record.isLeft()) {
        good++;
        DenseSample s = record.left();
        checksum += Float.floatToRawIntBits(s.label) + s.features.length;
      } else {
        bad++;
      }
    }

    @Override
    public void close() {}
  }
}
