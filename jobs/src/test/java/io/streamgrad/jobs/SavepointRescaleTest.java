package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop the Kafka training job with a savepoint at parallelism 1, resume it from the savepoint at
 * parallelism 2 with more input: every model continues where it stopped (versions continue, not
 * reset) and ends bit-identical to a job that never stopped.
 */
class SavepointRescaleTest {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(4)
              .build());

  private static final int FEATURES = 3;
  private static final int BATCH = 16;
  private static final String[] MODELS = {"m0", "m1", "m2", "m3", "m4"};
  private static final int PER_MODEL_PER_PHASE = 320; // 20 batches

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static OnlineTrainer trainer() {
    return OnlineTrainer.builder()
        .features(FEATURES)
        .optimizer(Optimizers.sgd(0.02).momentum(0.9))
        .batchSize(BATCH)
        .snapshotEvery(1)
        .build();
  }

  private static KafkaSettings settings(String samples, String snapshots, boolean bounded) {
    KafkaSettings s =
        KafkaSettings.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .samplesTopic(samples)
            .snapshotsTopic(snapshots)
            .deadLettersTopic(samples + "-dead")
            .groupId("savepoint-test-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.parse("earliest"))
            .bounded(bounded)
            .build();
    return s;
  }

  private static StreamExecutionEnvironment env(int parallelism, String savepoint) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    if (savepoint != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    }
    env.configure(conf, SavepointRescaleTest.class.getClassLoader());
    env.setParallelism(parallelism);
    env.enableCheckpointing(300);
    return env;
  }

  @Test
  void resumesFromASavepointAtAnotherParallelism(@TempDir Path dir) throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(
        bs,
        2,
        "sp-samples",
        "sp-all",
        "sp-out",
        "sp-out-straight",
        "sp-samples-dead",
        "sp-all-dead");
    SplittableRandom rng = new SplittableRandom(5);
    produce(rng, "sp-samples", "sp-all");

    JobClient first = start(1, null, settings("sp-samples", "sp-out", false));
    awaitSamplesSeen("sp-out", PER_MODEL_PER_PHASE);
    String savepoint =
        first
            .stopWithSavepoint(
                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get(2, TimeUnit.MINUTES);

    produce(rng, "sp-samples", "sp-all");
    // "latest": a job that ignored the savepoint would see none of the new samples and time out;
    // a restored one resumes at the savepoint's offsets.
    KafkaSettings resume = settings("sp-samples", "sp-out", false);
    resume = resume.toBuilder().startingOffsets(StartingOffsets.parse("latest")).build();
    JobClient second = start(2, savepoint, resume);
    Map<String, List<WeightSnapshot>> resumed;
    try {
      resumed = awaitSamplesSeen("sp-out", 2 * PER_MODEL_PER_PHASE);
    } finally {
      second.cancel().get(1, TimeUnit.MINUTES);
    }

    StreamExecutionEnvironment straightEnv = env(2, null);
    TrainJob.build(straightEnv, settings("sp-all", "sp-out-straight", true), trainer());
    straightEnv.execute("never stopped");
    Map<String, List<WeightSnapshot>> straight =
        awaitSamplesSeen("sp-out-straight", 2 * PER_MODEL_PER_PHASE);
    for (String m : MODELS) {
      List<WeightSnapshot> versions = resumed.get(m);
      List<Long> seen = versions.stream().map(WeightSnapshot::getVersion).toList();
      List<Long> expected = new ArrayList<>();
      for (long v = 1; v <= 2L * PER_MODEL_PER_PHASE / BATCH; v++) {
        expected.add(v);
      }
      assertEquals(
          expected,
          seen,
          m + ": versions 1..40 in order across the stop, none reset, repeated or missing");
      WeightSnapshot last = versions.get(versions.size() - 1);
      assertEquals(2L * PER_MODEL_PER_PHASE, last.getSamplesSeen(), m);
      WeightSnapshot reference = straight.get(m).get(straight.get(m).size() - 1);
      assertEquals(
          bits(reference.getWeights()),
          bits(last.getWeights()),
          m + ": bit-identical to a job that never stopped");
      assertEquals(
          Float.floatToIntBits(reference.getBias()), Float.floatToIntBits(last.getBias()), m);
    }
  }

  private static JobClient start(int parallelism, String savepoint, KafkaSettings s)
      throws Exception {
    StreamExecutionEnvironment env = env(parallelism, savepoint);
    TrainJob.build(env, s, trainer());
    return env.executeAsync("streamgrad p=" + parallelism);
  }

  private static List<Integer> bits(List<Float> v) {
    return v.stream().map(Float::floatToIntBits).toList();
  }

  /** One phase of samples: the same records to both topics, keyed by model id. */
  private static void produce(SplittableRandom rng, String... topics) {
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < PER_MODEL_PER_PHASE; i++) {
        for (String m : MODELS) {
          List<Float> x = new ArrayList<>();
          for (int j = 0; j < FEATURES; j++) {
            x.add((rng.nextFloat() - 0.5f) * 4f);
          }
          byte[] value =
              WireFormat.encode(
                  Sample.newBuilder()
                      .setModelId(m)
                      .setFeatures(x)
                      .setLabel(x.get(0) - 2 * x.get(2) + 0.5f)
                      .build());
          for (String t : topics) {
            producer.send(new ProducerRecord<>(t, m.getBytes(StandardCharsets.UTF_8), value));
          }
        }
      }
    }
  }

  /** All snapshots of the topic by model, once every model has reached {@code samples}. */
  private static Map<String, List<WeightSnapshot>> awaitSamplesSeen(String topic, long samples)
      throws Exception {
    Map<String, List<WeightSnapshot>> byModel = new TreeMap<>();
    long deadline = System.currentTimeMillis() + 120_000;
    try (KafkaConsumer<byte[], byte[]> consumer =
        KafkaClients.consumer(kafka.bootstrapServers(), false)) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<String, Long> max = new HashMap<>();
      while (!(max.size() == MODELS.length && max.values().stream().allMatch(v -> v >= samples))) {
        assertTrue(
            System.currentTimeMillis() < deadline,
            "snapshots of " + topic + " reached only " + max);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          WeightSnapshot s = WireFormat.snapshot(r.value());
          byModel.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s);
          max.merge(s.getModelId(), s.getSamplesSeen(), Math::max);
        }
      }
    }
    return byModel;
  }
}
