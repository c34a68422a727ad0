package io.streamgrad.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
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
 * own JVM, and a real Kafka broker; submitted through the REST API as users do. One TaskManager is
 * killed (SIGKILL) mid-stream; the job recovers from its checkpoint on the other one and every
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
  private static final int RATE = 500; // samples/s

  /** Rounds (one batch per model each) the producer still sends once the recovery was seen. */
  private static final int ROUNDS_AFTER_RECOVERY = 5;

  /** Rounds at least, whenever the recovery happens: enough samples for every model to converge. */
  private static final int MIN_ROUNDS = 50;

  @Test
  void trainsOnARealClusterAndRecoversFromAKilledTaskManager() throws Exception {
    AvroTrust.install();
    Path lib = Path.of(System.getProperty("streamgrad.flinkLib", "../flink-cluster/target/lib"));
    Path jobJar =
        Path.of(System.getProperty("streamgrad.jobJar", "target/streamgrad-flink-job.jar"));
    assertTrue(
        Files.isDirectory(lib), lib + " is missing: mvn package builds it (module flink-cluster)");
    assertTrue(Files.isRegularFile(jobJar), jobJar + " is missing: mvn package builds it");
    Path dir =
        Files.createDirectories(Path.of("target", "cluster-it-" + System.currentTimeMillis()));

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
      String job =
          rest.runJar(
              jar,
              List.of(
                  "--bootstrap-servers",
                  bs,
                  "--features",
                  String.valueOf(FEATURES),
                  "--batch-size",
                  String.valueOf(BATCH),
                  "--snapshot-every",
                  "1",
                  "--lr",
                  "0.02",
                  "--delivery",
                  "exactly-once",
                  "--checkpoint-interval-ms",
                  "1000",
                  "--starting-offsets",
                  "earliest",
                  "--transactional-id-prefix",
                  "cluster-it"),
              2);

      SyntheticData data = new SyntheticData(FEATURES, MODELS, 0.1f, 3);
      // The producer sends whole rounds (a batch per model) until the recovery has been seen and
      // a few rounds after it: samples arrive before, during and after the recovery however long
      // it takes on a busy machine.
      RoundProducer producer = new RoundProducer(bs, data);
      producer.start();
      try {
        SnapshotReader snapshots = new SnapshotReader(bs);
        // Mid-stream: some updates are committed, more samples keep coming.
        snapshots.await(
            m -> m.values().stream().anyMatch(s -> s.getSamplesSeen() >= 10L * BATCH),
            Duration.ofMinutes(2));
        String trainer = rest.vertexId(job, "OnlineTrainer");
        List<String> hosts = rest.vertexTaskManagers(job, trainer);
        int victim = Integer.parseInt(hosts.get(0).substring("tm-".length()));
        int roundsAtKill = producer.rounds();
        cluster.killTaskManager(victim);
        long killedAt = System.currentTimeMillis();
        awaitRestart(rest, job, Duration.ofMinutes(2));
        System.out.printf(
            "ClusterIT: killed tm-%d after %d rounds; the job was running again %d ms later%n",
            victim, roundsAtKill, System.currentTimeMillis() - killedAt);
        producer.recovered();
        producer.finish();
        int perModel = producer.rounds() * BATCH;
        assertTrue(
            producer.rounds() >= roundsAtKill + ROUNDS_AFTER_RECOVERY,
            "samples kept arriving after the recovery");
        Map<String, List<WeightSnapshot>> all =
            snapshots.await(
                m ->
                    m.size() == MODELS
                        && m.values().stream().allMatch(s -> s.getSamplesSeen() >= perModel),
                Duration.ofMinutes(3));
        assertEquals("RUNNING", rest.jobState(job));
        checkModels(all, data, perModel);
        checkMetrics(rest, job, trainer, all.keySet().iterator().next(), perModel);
      } finally {
        producer.stopNow();
      }
      rest.cancel(job);
    }
  }

  private static void checkModels(
      Map<String, List<WeightSnapshot>> all, SyntheticData data, int perModel) {
    List<Long> expected = new ArrayList<>();
    for (long v = 1; v <= perModel / BATCH; v++) {
      expected.add(v);
    }
    for (Map.Entry<String, List<WeightSnapshot>> e : all.entrySet()) {
      List<Long> versions = e.getValue().stream().map(WeightSnapshot::getVersion).toList();
      assertEquals(
          expected, versions, e.getKey() + ": each version committed exactly once, in order");
      WeightSnapshot last = e.getValue().get(e.getValue().size() - 1);
      assertEquals(
          perModel,
          last.getSamplesSeen(),
          e.getKey() + ": samplesSeen is exact after the recovery");
      float[] truth = data.trueWeights().get(e.getKey());
      for (int j = 0; j < FEATURES; j++) {
        assertEquals(
            truth[j], last.getWeights().get(j), 0.1, e.getKey() + " converges, weight " + j);
      }
    }
  }

  /** The operator's metrics, through the REST API as a dashboard would read them. */
  private static void checkMetrics(
      FlinkRest rest, String job, String trainer, String model, int perModel) throws Exception {
    Map<String, String> seen =
        awaitMetric(
            rest, job, trainer, ".model." + model + ".samplesSeen", String.valueOf(perModel));
    assertEquals(1, seen.size(), "one subtask owns the model: " + seen);
    Map<String, String> version = rest.vertexMetrics(job, trainer, ".model." + model + ".version");
    assertEquals(List.of(String.valueOf(perModel / BATCH)), new ArrayList<>(version.values()));
    assertTrue(!rest.vertexMetrics(job, trainer, ".model." + model + ".prequentialLoss").isEmpty());
  }

  /** Until the job has restarted at least once and runs again. */
  private static void awaitRestart(FlinkRest rest, String job, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String restarts = rest.jobMetric(job, "numRestarts");
      if (restarts != null
          && Long.parseLong(restarts) >= 1
          && "RUNNING".equals(rest.jobState(job))) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "the job did not restart within " + timeout + " after its TaskManager was killed");
  }

  private static Map<String, String> awaitMetric(
      FlinkRest rest, String job, String vertex, String suffix, String value) throws Exception {
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

  /**
   * Sends rounds of {@code MODELS × BATCH} samples (one batch per model, round-robin) at about
   * {@link #RATE} per second until {@link #recovered()} and {@link #ROUNDS_AFTER_RECOVERY} more
   * rounds, and {@link #MIN_ROUNDS} at least; every send is acknowledged before the round counts.
   */
  private static final class RoundProducer extends Thread {
    private final String bootstrapServers;
    private final SyntheticData data;
    private final java.util.concurrent.atomic.AtomicInteger rounds =
        new java.util.concurrent.atomic.AtomicInteger();
    private volatile int stopAfter = Integer.MAX_VALUE;
    private volatile boolean stopNow;
    private volatile Exception failure;

    RoundProducer(String bootstrapServers, SyntheticData data) {
      super("sample-producer");
      this.bootstrapServers = bootstrapServers;
      this.data = data;
    }

    int rounds() {
      return rounds.get();
    }

    void recovered() {
      stopAfter = Math.max(MIN_ROUNDS, rounds.get() + ROUNDS_AFTER_RECOVERY);
    }

    void stopNow() throws InterruptedException {
      stopNow = true;
      finish();
    }

    /** Waits for the last round; fails if a send failed. */
    void finish() throws InterruptedException {
      join();
      if (failure != null) {
        throw new AssertionError("the producer failed", failure);
      }
    }

    @Override
    public void run() {
      long start = System.nanoTime();
      long sent = 0;
      try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrapServers)) {
        while (!stopNow && rounds.get() < stopAfter) {
          for (int i = 0; i < MODELS * BATCH; i++) {
            producer.send(KafkaClients.record("samples", data.next()));
            long wait = start + (long) (++sent * 1e9 / RATE) - System.nanoTime();
            if (wait > 1_000_000) {
              Thread.sleep(wait / 1_000_000);
            }
          }
          producer.flush();
          rounds.incrementAndGet();
        }
      } catch (Exception e) {
        failure = e;
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
          consumer.partitionsFor("snapshots").stream()
              .map(i -> new TopicPartition("snapshots", i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    Map<String, List<WeightSnapshot>> await(
        java.util.function.Predicate<Map<String, WeightSnapshot>> done, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(latest)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "snapshots did not get there within "
                  + timeout
                  + "; latest samplesSeen: "
                  + latest.values().stream()
                      .map(s -> s.getModelId() + "=" + s.getSamplesSeen())
                      .toList());
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
