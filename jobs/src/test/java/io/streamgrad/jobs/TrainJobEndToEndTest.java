package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Samples through a real in-JVM KRaft broker and a Flink MiniCluster, snapshots and dead letters
 * back.
 */
class TrainJobEndToEndTest {

  private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .setConfiguration(METRICS.addToConfiguration(new Configuration()))
              .build());

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  @Test
  void trainsEveryModelAndReportsBadRecords() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 2, "samples", "snapshots", "dead-letters");
    int features = 4;
    int perModel = 3000;
    SyntheticData data = new SyntheticData(features, 2, 0.5f, 17);
    String[] models = data.trueWeights().keySet().toArray(new String[0]);
    float[][] wTrue = {data.trueWeights().get(models[0]), data.trueWeights().get(models[1])};
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < perModel * models.length; i++) {
        Sample s = data.next(); // round-robin over the models
        send(producer, s.getModelId(), WireFormat.encode(s));
      }
      // Three malformed records, each with its own reason.
      send(producer, models[0], new byte[] {1, 2, 3, 4});
      send(
          producer,
          models[0],
          WireFormat.encode(
              Sample.newBuilder()
                  .setModelId(models[0])
                  .setFeatures(List.of(1f, 2f))
                  .setLabel(1f)
                  .build()));
      send(
          producer,
          models[1],
          WireFormat.encode(
              Sample.newBuilder()
                  .setModelId(models[1])
                  .setFeatures(List.of(1f, 2f, 3f, 4f))
                  .setLabel(Float.NaN)
                  .build()));
      producer.flush();
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    env.configure(conf, getClass().getClassLoader());
    env.setParallelism(2);
    KafkaSettings settings =
        KafkaSettings.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .bounded(true)
            .startingOffsets(StartingOffsets.parse("earliest"))
            .build();
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(features)
            .optimizer(Optimizers.sgd(0.02))
            .batchSize(32)
            .snapshotEvery(5)
            .build();
    TrainJob.build(env, settings, trainer);
    org.apache.flink.api.common.JobID job = env.execute("streamgrad e2e").getJobID();

    Map<String, WeightSnapshot> last = new HashMap<>();
    for (byte[] value : readAll("snapshots")) {
      WeightSnapshot s = WireFormat.snapshot(value);
      WeightSnapshot prev = last.get(s.getModelId());
      assertTrue(
          prev == null || s.getVersion() > prev.getVersion(),
          "versions strictly increase per model");
      last.put(s.getModelId(), s);
    }
    assertEquals(models.length, last.size());
    for (int m = 0; m < models.length; m++) {
      WeightSnapshot s = last.get(models[m]);
      assertEquals(perModel, s.getSamplesSeen(), "samplesSeen of " + models[m]);
      for (int j = 0; j < features; j++) {
        assertEquals(wTrue[m][j], s.getWeights().get(j), 0.05, models[m] + " weight " + j);
      }
    }
    List<String> reasons = new ArrayList<>();
    for (byte[] value : readAll("dead-letters")) {
      DeadLetter d = WireFormat.deadLetter(value);
      assertEquals("samples", d.getSourceTopic());
      assertTrue(d.getOffset() >= 0);
      reasons.add(d.getReason());
    }
    reasons.sort(null);
    assertEquals(
        List.of(
            "non-finite label",
            "not Avro single-object encoding",
            "wrong feature count: expected 4, got 2"),
        reasons);

    // The same account in the metrics: dead letters by reason, and each model's progress.
    Map<String, org.apache.flink.metrics.Metric> metrics = METRICS.getMetricsByIdentifiers(job);
    assertEquals(
        3, sum(metrics, ".deadLetters", m -> !m.contains(".reason.")), metrics.keySet().toString());
    assertEquals(1, sum(metrics, ".reason.wrong feature count.deadLetters", m -> true));
    assertEquals(1, sum(metrics, ".reason.non-finite label.deadLetters", m -> true));
    assertEquals(1, sum(metrics, ".reason.not Avro single-object encoding.deadLetters", m -> true));
    for (String model : models) {
      assertEquals((long) perModel, gauge(metrics, ".model." + model + ".samplesSeen"), model);
      assertEquals(
          (perModel + 31L) / 32L,
          gauge(metrics, ".model." + model + ".version"),
          "full batches and the partial one flushed at the end: " + model);
      assertEquals(0L, gauge(metrics, ".model." + model + ".divergenceGuardRejections"), model);
      double loss = ((Number) gauge(metrics, ".model." + model + ".prequentialLoss")).doubleValue();
      assertEquals(
          last.get(model).getPrequentialLoss(),
          loss,
          1e-12,
          "the gauge reads the trainer the snapshot came from");
      assertTrue(
          metrics.keySet().stream()
              .anyMatch(k -> k.endsWith(".model." + model + ".updatesPerSecond")));
    }
  }

  @Test
  void aModelFedFromTwoPartitionsIsCounted() throws Exception {
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(), 2, "split-samples", "split-snapshots", "split-dead-letters");
    SyntheticData data = new SyntheticData(4, 1, 0.1f, 3);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 128; i++) {
        Sample s = data.next();
        // What a producer with another partitioner does: the same key in two partitions.
        producer.send(
            new ProducerRecord<>(
                "split-samples", i % 2, s.getModelId().getBytes(), WireFormat.encode(s)));
      }
      producer.flush();
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    KafkaSettings settings =
        KafkaSettings.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .samplesTopic("split-samples")
            .snapshotsTopic("split-snapshots")
            .deadLettersTopic("split-dead-letters")
            .bounded(true)
            .startingOffsets(StartingOffsets.parse("earliest"))
            .build();
    TrainJob.build(env, settings, OnlineTrainer.builder().features(4).batchSize(16).build());
    org.apache.flink.api.common.JobID job = env.execute("split partitions").getJobID();
    Map<String, org.apache.flink.metrics.Metric> metrics = METRICS.getMetricsByIdentifiers(job);
    assertEquals(
        64L,
        sum(metrics, ".samplesFromAnotherPartition", m -> true),
        "the samples of the partition that came second: trained on, and counted");
  }

  private static long sum(
      Map<String, org.apache.flink.metrics.Metric> metrics,
      String suffix,
      java.util.function.Predicate<String> filter) {
    return metrics.entrySet().stream()
        .filter(e -> e.getKey().endsWith(suffix) && filter.test(e.getKey()))
        .mapToLong(e -> ((org.apache.flink.metrics.Counter) e.getValue()).getCount())
        .sum();
  }

  private static Object gauge(Map<String, org.apache.flink.metrics.Metric> metrics, String suffix) {
    List<Object> values =
        metrics.entrySet().stream()
            .filter(e -> e.getKey().endsWith(suffix))
            .map(e -> (Object) ((org.apache.flink.metrics.Gauge<?>) e.getValue()).getValue())
            .toList();
    assertEquals(1, values.size(), suffix + " in " + metrics.keySet());
    return values.get(0);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.putAll(KafkaClients.settings(kafka.bootstrapServers()));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String key, byte[] value) {
    producer.send(
        new ProducerRecord<>(
            "samples", key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value));
  }

  /** Everything in the topic now (the job has finished and flushed). */
  private static List<byte[]> readAll(String topic) {
    Properties p = new Properties();
    p.putAll(KafkaClients.settings(kafka.bootstrapServers()));
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + topic);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<byte[]> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      int emptyPolls = 0;
      while (emptyPolls < 3) {
        var records = consumer.poll(Duration.ofMillis(1000));
        if (records.isEmpty() && !consumer.assignment().isEmpty()) {
          emptyPolls++;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          out.add(r.value());
        }
      }
    }
    return out;
  }
}
