package io.streamgrad.jobs.bench;

import io.streamgrad.jobs.format.SampleFormatDecoder;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSources;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

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
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers(bootstrapServers)
            .samplesTopic(topic)
            .snapshotsTopic(topic + "-unused")
            .deadLettersTopic(topic + "-unused")
            .build();
    SampleFormatDecoder decoder = TrainJob.sampleDecoder(kafka, config.features(), hashBits);
    decoder.open(null);
    Properties p = KafkaClients.settings(bootstrapServers);
    p.putAll(KafkaSources.consumerProperties(kafka)); // read as the job's source reads
    Counting counted = new Counting();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(p, false)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long firstNanos = 0;
      long firstCpu = 0;
      long firstGc = 0;
      long seen = 0;
      while (seen < config.samples()) {
        var records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        if (seen == 0) {
          firstNanos = System.nanoTime();
          firstCpu = threads.getCurrentThreadCpuTime();
          firstGc = gcMillis();
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          decoder.deserialize(r, counted);
          seen++;
        }
      }
      double seconds = (System.nanoTime() - firstNanos) / 1e9;
      double cpu = (threads.getCurrentThreadCpuTime() - firstCpu) / 1e9;
      if (counted.good != config.samples()) {
        throw new IllegalStateException(
            "the consumer decoded " + counted.good + " good samples of " + config.samples());
      }
      return new PipelineBench.Run("consumer", seen, 0, seconds, cpu, (gcMillis() - firstGc) / 1e3);
    }
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
