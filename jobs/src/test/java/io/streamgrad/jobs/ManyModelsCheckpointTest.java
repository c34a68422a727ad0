package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 models, each holding a partial batch: far more state than the JobManager's 5 MB memory
 * storage takes. The job checkpoints to files by default (exactly-once), is cancelled, and a new
 * job restored from its last checkpoint finishes every model's batch exactly.
 */
class ManyModelsCheckpointTest {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final int MODELS = 100_000;
  private static final int FEATURES = 3;

  /** Larger than what the JobManager's memory storage accepts. */
  private static final long MEMORY_STORAGE_LIMIT = 5L << 20;

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static OnlineTrainer trainer() {
    // Batches of 2: after the first sample every model holds a partial batch; the second completes
    // it.
    return OnlineTrainer.builder()
        .features(FEATURES)
        .optimizer(Optimizers.sgd(0.1))
        .batchSize(2)
        .snapshotEvery(1)
        .build();
  }

  private static KafkaSettings settings(String startingOffsets) {
    KafkaSettings s =
        KafkaSettings.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .samplesTopic("mm-samples")
            .snapshotsTopic("mm-snapshots")
            .deadLettersTopic("mm-dead")
            .groupId("many-models-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.parse(startingOffsets))
            .delivery(DeliveryGuarantee.EXACTLY_ONCE)
            .transactionalIdPrefix("many-models-" + UUID.randomUUID())
            .build();
    return s;
  }

  private static StreamExecutionEnvironment env(Path checkpoints, String restoreFrom) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    if (restoreFrom != null) {
      Configuration c = new Configuration();
      c.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
      env.configure(c, ManyModelsCheckpointTest.class.getClassLoader());
    }
    // Defaults: file checkpoints, heap state; any failure (a checkpoint too large for its
    // storage) fails the test.
    RuntimeSettings rt =
        RuntimeSettings.builder()
            .parallelism(2)
            .checkpointIntervalMs(1000)
            .checkpointDir(checkpoints.toString())
            .maxRestarts(0)
            .build();
    List<String> said = rt.applyTo(env);
    assertTrue(
        said.get(0).contains(checkpoints.toUri().toString().replaceAll("/$", "")), said.toString());
    return env;
  }

  private static void produceOnePerModel() throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int m = 0; m < MODELS; m++) {
        producer.send(
            KafkaClients.record(
                "mm-samples",
                Sample.newBuilder()
                    .setModelId("user-" + m)
                    .setFeatures(List.of(1f, m % 7f, -1f))
                    .setLabel(m % 3)
                    .build()));
      }
      producer.flush();
    }
  }

  @Test
  void checkpointsAndRestoresAHundredThousandPartialBatches(@TempDir Path dir) throws Exception {
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(), 2, "mm-samples", "mm-snapshots", "mm-dead");
    produceOnePerModel();
    Path checkpoints = dir.resolve("checkpoints");

    StreamExecutionEnvironment firstEnv = env(checkpoints, null);
    TrainJob.build(firstEnv, settings("earliest"), trainer());
    JobClient first = firstEnv.executeAsync("many models, first run");
    Path checkpoint =
        awaitCheckpointLargerThan(checkpoints, first, MEMORY_STORAGE_LIMIT, Duration.ofMinutes(3));
    first.cancel().get(1, TimeUnit.MINUTES);

    produceOnePerModel();
    // "latest": a job that ignored the checkpoint would read none of the samples and emit nothing.
    // (Unbounded: a restored Kafka source keeps the stopping offsets its splits were checkpointed
    // with.)
    StreamExecutionEnvironment secondEnv = env(checkpoints, checkpoint.toUri().toString());
    TrainJob.build(secondEnv, settings("latest"), trainer());
    JobClient second = secondEnv.executeAsync("many models, restored");
    Map<String, WeightSnapshot> finalSnapshots = new HashMap<>();
    int[] count = {0};
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      try (KafkaConsumer<byte[], byte[]> consumer = committedFromStart("mm-snapshots")) {
        while (finalSnapshots.size() < MODELS) {
          assertTrue(
              System.nanoTime() < deadline,
              "only " + finalSnapshots.size() + " models emitted within 5 minutes");
          assertTrue(
              !second.getJobStatus().get().isGloballyTerminalState(),
              "the job ended: " + second.getJobStatus().get());
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            WeightSnapshot s = WireFormat.snapshot(r.value());
            count[0]++;
            finalSnapshots.put(s.getModelId(), s);
          }
        }
      }
    } finally {
      second.cancel().get(1, TimeUnit.MINUTES);
    }
    readCommitted("mm-snapshots", r -> count[0]--);
    assertEquals(MODELS, finalSnapshots.size(), "every model emitted its final snapshot");
    assertEquals(
        0,
        count[0],
        "the topic holds nothing but what was read: exactly one committed snapshot per model");
    for (WeightSnapshot s : finalSnapshots.values()) {
      assertEquals(
          2,
          s.getSamplesSeen(),
          s.getModelId() + ": the checkpointed sample and the new one, in one batch");
      assertEquals(1, s.getVersion(), s.getModelId());
    }
  }

  /** Bytes in a directory tree. */
  private static long size(Path p) {
    try (Stream<Path> files = Files.walk(p)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0; // deleted meanwhile: an older checkpoint being subsumed
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  /** A completed checkpoint (its _metadata is written last) of at least {@code bytes}. */
  private static Path awaitCheckpointLargerThan(
      Path root, JobClient job, long bytes, Duration timeout) throws Exception {
    Path jobDir = root.resolve(job.getJobID().toString());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      assertTrue(
          !job.getJobStatus().get().isGloballyTerminalState(),
          "the job ended: " + job.getJobStatus().get());
      Optional<Path> done = Optional.empty();
      if (Files.isDirectory(jobDir)) {
        try (Stream<Path> chk = Files.list(jobDir)) {
          done =
              chk.filter(
                      p ->
                          p.getFileName().toString().startsWith("chk-")
                              && Files.exists(p.resolve("_metadata")))
                  .filter(p -> size(p) + size(jobDir.resolve("shared")) >= bytes)
                  .findFirst();
        } catch (IOException | UncheckedIOException e) {
          done = Optional.empty(); // a checkpoint directory was subsumed while listing
        }
      }
      if (done.isPresent()) {
        return done.get();
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "no checkpoint of " + bytes + " bytes under " + jobDir + " within " + timeout);
  }

  private static KafkaConsumer<byte[], byte[]> committedFromStart(String topic) {
    KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(kafka.bootstrapServers(), true);
    List<TopicPartition> parts =
        consumer.partitionsFor(topic).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    return consumer;
  }

  private static void readCommitted(
      String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (KafkaConsumer<byte[], byte[]> consumer = committedFromStart(topic)) {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      while (end.keySet().stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        consumer.poll(Duration.ofMillis(500)).forEach(each);
      }
    }
  }
}
