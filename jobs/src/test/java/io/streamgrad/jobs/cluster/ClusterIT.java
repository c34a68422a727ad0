package io.streamgrad.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafka;
import io.streamgrad.jobs.KafkaClients;
import io.streamgrad.jobs.SyntheticData;
import io.streamgrad.jobs.WireFormat;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The job jar on a real Flink 2.2.1 session cluster: a JobManager and two TaskManagers, each its
 * own JVM, and a real Kafka broker; submitted through the REST API as users do. One TaskManager
 * is killed (SIGKILL) mid-stream; the job recovers from its checkpoint on the other one and every
 * model ends with exactly the samples it was sent, each version committed once.
 *
 * <p>Runs in {@code mvn verify} (failsafe, after the job jar is packaged); skip it with {@code
 * -DskipITs} or {@code -Dit.excludedGroups=cluster}.
 */
@Tag("cluster")
class ClusterIT {

  private static final int FEATURES = 4;
  private static final int MODELS = 8; // spread over both partitions and both trainer subtasks
  private static final int BATCH = 32;
  private static final int PER_MODEL = 1600; // 50 batches
  private static final int RATE = 500; // samples/s: ~26 s of input; detection and restart take ~10 s

  @Test
  void trainsOnARealClusterAndRecoversFromAKilledTaskManager() throws Exception {
    AvroTrust.install();
    Path lib = Path.of(System.getProperty("streamgrad.flinkLib", "../flink-cluster/target/lib"));
    Path jobJar = Path.of(System.getProperty("streamgrad.jobJar", "target/streamgrad-flink-job.jar"));
    assertTrue(Files.isDirectory(lib), lib + " is missing: mvn package builds it (module flink-cluster)");
    assertTrue(Files.isRegularFile(jobJar), jobJar + " is missing: mvn package builds it");
    Path dir = Files.createDirectories(Path.of("target", "cluster-it-" + System.currentTimeMillis()));

    try (EmbeddedKafka kafka = new EmbeddedKafka();
        LocalFlinkCluster cluster =
            LocalFlinkCluster.builder(lib, dir)
                .taskManagers(2)
                .slotsPerTaskManager(2)
                .config("heartbeat.interval", "500")
                .config("heartbeat.timeout", "3000")
                .start(Duration.ofMinutes(2))) {
      String bs = kafka.bootstrapServers();
      EmbeddedKafka.createTopics(bs, 2, "samples", "snapshots", "dead-letters");
      FlinkRest rest = cluster.rest();
      String jar = rest.uploadJar(jobJar);
      String job = rest.runJar(jar, List.of(
          "--bootstrap-servers", bs, "--features", String.valueOf(FEATURES), "--batch-size", String.valueOf(BATCH),
          "--snapshot-every", "1", "--lr", "0.02", "--delivery", "exactly-once", "--checkpoint-interval-ms", "1000",
          "--starting-offsets", "earliest", "--transactional-id-prefix", "cluster-it"), 2);

      SyntheticData data = new SyntheticData(FEATURES, MODELS, 0.1f, 3);
      Thread producer = new Thread(() -> produce(bs, data, MODELS * PER_MODEL, RATE), "sample-producer");
      producer.start();

      SnapshotReader snapshots = new SnapshotReader(bs);
      // Mid-stream: some updates are committed, most samples are still to come.
      snapshots.await(m -> m.values().stream().anyMatch(s -> s.getSamplesSeen() >= 10L * BATCH), Duration.ofMinutes(2));
      String trainer = rest.vertexId(job, "OnlineTrainer");
      List<String> hosts = rest.vertexTaskManagers(job, trainer);
      int victim = Integer.parseInt(hosts.get(0).substring("tm-".length()));
      cluster.killTaskManager(victim);
      long killedAt = System.currentTimeMillis();
      awaitRestart(rest, job, Duration.ofMinutes(1));
      System.out.printf("ClusterIT: killed tm-%d; the job was running again %d ms later%n", victim, System.currentTimeMillis() - killedAt);
      assertTrue(producer.isAlive(), "the recovery happened while samples were still arriving");

      producer.join();
      Map<String, List<WeightSnapshot>> all =
          snapshots.await(m -> m.size() == MODELS && m.values().stream().allMatch(s -> s.getSamplesSeen() >= PER_MODEL),
              Duration.ofMinutes(3));
      assertEquals("RUNNING", rest.jobState(job));

      List<Long> expected = new ArrayList<>();
      for (long v = 1; v <= PER_MODEL / BATCH; v++) {
        expected.add(v);
      }
      for (Map.Entry<String, List<WeightSnapshot>> e : all.entrySet()) {
        List<Long> versions = e.getValue().stream().map(WeightSnapshot::getVersion).toList();
        assertEquals(expected, versions, e.getKey() + ": each version committed exactly once, in order");
        WeightSnapshot last = e.getValue().get(e.getValue().size() - 1);
        assertEquals(PER_MODEL, last.getSamplesSeen(), e.getKey() + ": samplesSeen is exact after the recovery");
        float[] truth = data.trueWeights().get(e.getKey());
        for (int j = 0; j < FEATURES; j++) {
          assertEquals(truth[j], last.getWeights().get(j), 0.1, e.getKey() + " converges, weight " + j);
        }
      }

      // The operator's metrics, through the REST API as a dashboard would read them.
      String model = all.keySet().iterator().next();
      Map<String, String> seen = awaitMetric(rest, job, trainer, ".model." + model + ".samplesSeen", String.valueOf(PER_MODEL));
      assertEquals(1, seen.size(), "one subtask owns the model: " + seen);
      Map<String, String> version = rest.vertexMetrics(job, trainer, ".model." + model + ".version");
      assertEquals(List.of(String.valueOf(PER_MODEL / BATCH)), new ArrayList<>(version.values()));
      assertTrue(!rest.vertexMetrics(job, trainer, ".model." + model + ".prequentialLoss").isEmpty());
      rest.cancel(job);
    }
  }

  /** Until the job has restarted at least once and runs again. */
  private static void awaitRestart(FlinkRest rest, String job, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String restarts = rest.jobMetric(job, "numRestarts");
      if (restarts != null && Long.parseLong(restarts) >= 1 && "RUNNING".equals(rest.jobState(job))) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the job did not restart within " + timeout + " after its TaskManager was killed");
  }

  private static Map<String, String> awaitMetric(FlinkRest rest, String job, String vertex, String suffix, String value)
      throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    Map<String, String> last = Map.of();
    while (System.currentTimeMillis() < deadline) {
      last = rest.vertexMetrics(job, vertex, suffix);
      if (last.containsValue(value)) {
        return last;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("metric *" + suffix + " never showed " + value + ": " + last);
  }

  /** Samples keyed by model id at about {@code rate} per second. */
  private static void produce(String bootstrapServers, SyntheticData data, int n, int rate) {
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrapServers)) {
      for (int i = 0; i < n; i++) {
        Sample s = data.next();
        producer.send(KafkaClients.record("samples", s));
        long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
        if (wait > 1_000_000) {
          try {
            Thread.sleep(wait / 1_000_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  /** Committed snapshots (read_committed), accumulated per model across calls. */
  private static final class SnapshotReader {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<WeightSnapshot>> byModel = new TreeMap<>();
    private final Map<String, WeightSnapshot> latest = new HashMap<>();

    SnapshotReader(String bootstrapServers) {
      consumer = KafkaClients.consumer(bootstrapServers, true);
      List<TopicPartition> parts =
          consumer.partitionsFor("snapshots").stream().map(i -> new TopicPartition("snapshots", i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    Map<String, List<WeightSnapshot>> await(java.util.function.Predicate<Map<String, WeightSnapshot>> done, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(latest)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("snapshots did not get there within " + timeout + "; latest samplesSeen: "
              + latest.values().stream().map(s -> s.getModelId() + "=" + s.getSamplesSeen()).toList());
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          WeightSnapshot s = WireFormat.snapshot(r.value());
          byModel.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s);
          latest.put(s.getModelId(), s);
        }
      }
      return byModel;
    }
  }
}
