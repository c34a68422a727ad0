package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.NamedTensor;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} as an operator runs it: its own process, stopped with SIGTERM (Ctrl-C's twin) or
 * killed, and started again with the same command while samples keep coming. Every start continues
 * what the last one learned — from its final savepoint, its last checkpoint, or, with both lost,
 * the snapshot topic — and the models end bit for bit as one uninterrupted run leaves them.
 *
 * <p>Runs in {@code mvn verify} (failsafe: it starts the packaged CLI jar).
 */
class TrainRestartIT {
  private static final int MODELS = 4;
  private static final int FEATURES = 6;
  private static final int BATCH = 16;

  /** What train says once its signal handlers stop the job with a savepoint. */
  private static final String RUNNING = "(Ctrl-C or SIGTERM stops it with a savepoint)";

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  @TempDir Path dir;

  @Test
  void threeStopsAndStartsWhileSamplesFlowEndBitForBitAsOneRun() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 2, "rs-samples");
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "rs-snapshots", "rs-ref-snapshots");
    Path checkpoints = dir.resolve("checkpoints");
    List<String> series = train("rs-snapshots", checkpoints, "rs-group");
    try (Flow flow = new Flow("rs-samples", 30_000)) {
      // 1: stopped with SIGTERM: a final savepoint
      Run first = Run.start(series, dir.resolve("run1.log"));
      first.await(RUNNING);
      awaitSnapshots("rs-snapshots", 20);
      String out = first.stop();
      assertTrue(out.contains("a new job"), out);
      assertTrue(out.contains("stopped; savepoint"), out);
      // 2: continues from the savepoint; killed (no savepoint): its last checkpoint remains
      Run second = Run.start(series, dir.resolve("run2.log"));
      second.await("continuing from its savepoint");
      long before = count("rs-snapshots");
      awaitSnapshots("rs-snapshots", before + 20); // exactly-once: a checkpoint completed
      second.kill();
      // 3: continues from the checkpoint; SIGTERM again
      Run third = Run.start(series, dir.resolve("run3.log"));
      third.await("continuing from its checkpoint");
      third.await(RUNNING);
      long before3 = count("rs-snapshots");
      awaitSnapshots("rs-snapshots", before3 + 10);
      assertTrue(third.stop().contains("stopped; savepoint"));
    }
    // The uninterrupted run over the same samples, to the end of the input.
    List<String> reference = train("rs-ref-snapshots", dir.resolve("ref"), "rs-ref");
    reference.addAll(List.of("--bounded", "--job-name", "reference"));
    Run.start(reference, dir.resolve("ref.log")).awaitExit();
    Map<String, List<WeightSnapshot>> clean = byModel("rs-ref-snapshots");
    assertEquals(MODELS, clean.size());

    // 4: continues from the savepoint until it has every full batch, then stops.
    Run fourth = Run.start(series, dir.resolve("run4.log"));
    fourth.await("continuing from its savepoint");
    fourth.await(RUNNING); // a signal before that ends the process as any JVM's would
    waitFor(
        () ->
            byModel("rs-snapshots").entrySet().stream()
                .allMatch(
                    e ->
                        last(e.getValue()).getVersion()
                            >= last(clean.get(e.getKey())).getVersion() - 1),
        Duration.ofMinutes(3));
    String out = fourth.stop();
    assertTrue(out.contains("streamgrad train: stopped: "), out);

    Map<String, List<WeightSnapshot>> restarted = byModel("rs-snapshots");
    Map<String, Long> produced = producedPerModel("rs-samples");
    for (String model : clean.keySet()) {
      List<WeightSnapshot> r = restarted.get(model);
      Map<Long, WeightSnapshot> reference1 = new HashMap<>();
      clean.get(model).forEach(s -> reference1.put(s.getVersion(), s));
      assertEquals(produced.get(model), last(clean.get(model)).getSamplesSeen(), model);
      // Exactly-once: the committed versions of a model only ever go up, across every restart,
      // and each is the uninterrupted run's, bit for bit.
      for (int i = 0; i < r.size(); i++) {
        WeightSnapshot a = r.get(i);
        if (i > 0) {
          assertTrue(a.getVersion() > r.get(i - 1).getVersion(), model + " at " + i);
        }
        WeightSnapshot b = reference1.get(a.getVersion());
        assertTrue(b != null, model + " v" + a.getVersion() + " is not the reference's");
        assertEquals(b.getSamplesSeen(), a.getSamplesSeen(), model + " v" + a.getVersion());
        assertArrayEquals(bits(b), bits(a), model + " v" + a.getVersion() + ": bit for bit");
      }
      long upTo = last(r).getVersion();
      assertEquals(
          clean.get(model).stream().filter(s -> s.getVersion() <= upTo).count(),
          r.size(),
          model + ": every version once, none skipped");
    }
    thePredictorServesTheNewestVersions(restarted);
  }

  /** A follower never goes back to an older version: continued versions keep it moving on. */
  private void thePredictorServesTheNewestVersions(Map<String, List<WeightSnapshot>> snapshots)
      throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "rs-requests", "rs-predictions");
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      for (String model : snapshots.keySet()) {
        PredictionRequest r =
            PredictionRequest.newBuilder()
                .setModelId(model)
                .setRequestId("after-restarts-" + model)
                .setFeatures(List.of(1f, 0f, 0f, 0f, 0f, 0f))
                .build();
        p.send(
            new ProducerRecord<>(
                "rs-requests", model.getBytes(StandardCharsets.UTF_8), WireFormat.encode(r)));
      }
    }
    Run predict =
        Run.start(
            List.of(
                "predict",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--requests-topic",
                "rs-requests",
                "--predictions-topic",
                "rs-predictions",
                "--snapshots-topic",
                "rs-snapshots",
                "--dead-letters-topic",
                "rs-dead",
                "--bounded",
                "--starting-offsets",
                "earliest",
                "--checkpoint-dir",
                dir.resolve("predict").toString()),
            dir.resolve("predict.log"));
    predict.awaitExit();
    Map<String, Long> served = new HashMap<>();
    kafka.readCommitted(
        "rs-predictions",
        r -> {
          Prediction p = WireFormat.prediction(r.value());
          served.put(p.getModelId().toString(), p.getModelVersion());
        });
    for (var e : snapshots.entrySet()) {
      assertEquals(last(e.getValue()).getVersion(), served.get(e.getKey()), e.getKey());
    }
  }

  private static WeightSnapshot last(List<WeightSnapshot> l) {
    return l.get(l.size() - 1);
  }

  @Test
  void withItsCheckpointsLostTheModelsContinueFromTheSnapshotTopic() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "rl-samples", "rl-snapshots");
    Path checkpoints = dir.resolve("lost");
    List<String> cmd = train("rl-snapshots", checkpoints, "rl-group");
    try (Flow flow = new Flow("rl-samples", 8_000)) {
      Run first = Run.start(cmd, dir.resolve("lost1.log"));
      first.await(RUNNING);
      awaitSnapshots("rl-snapshots", 20); // exactly-once: a checkpoint completed
      first.kill(); // the machine is lost, and its disk with it
    }
    Map<String, List<WeightSnapshot>> before = byModel("rl-snapshots");
    deleteRecursively(checkpoints);
    List<String> last = new ArrayList<>(cmd);
    last.add("--bounded");
    String out = Run.start(last, dir.resolve("lost2.log")).awaitExit();
    assertTrue(out.contains("models continue from their newest snapshots on 'rl-snapshots'"), out);
    Map<String, List<WeightSnapshot>> after = byModel("rl-snapshots");
    Map<String, Long> produced = producedPerModel("rl-samples");
    for (String model : before.keySet()) {
      List<WeightSnapshot> all = after.get(model);
      for (int i = 1; i < all.size(); i++) {
        assertTrue(all.get(i).getVersion() > all.get(i - 1).getVersion(), model + " at " + i);
      }
      long seen = all.get(all.size() - 1).getSamplesSeen();
      // At least once: what the model learned after its last snapshot, and its partial batch,
      // are lost with the checkpoints (less than 3 batches); the samples after the group's
      // committed offsets (Flink commits them after each checkpoint, best effort) are trained
      // again.
      long lost = produced.get(model) - seen;
      assertTrue(lost < 3 * BATCH, model + ": " + seen + " of " + produced.get(model));
    }
  }

  private List<String> train(String snapshots, Path checkpoints, String group) {
    return new ArrayList<>(
        List.of(
            "train",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--samples-topic",
            snapshots.startsWith("rs") ? "rs-samples" : "rl-samples",
            "--snapshots-topic",
            snapshots,
            "--dead-letters-topic",
            "rs-dead",
            "--group-id",
            group,
            "--delivery",
            "exactly-once",
            "--transactional-id-prefix",
            group,
            "--features",
            String.valueOf(FEATURES),
            "--batch-size",
            String.valueOf(BATCH),
            "--snapshot-every",
            "2",
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--snapshot-optimizer-state",
            "--checkpoint-interval-ms",
            "1000",
            "--checkpoint-dir",
            checkpoints.toString(),
            "--parallelism",
            "2",
            "--progress-interval",
            "2s"));
  }

  /** Samples produced in the background at a steady pace, until closed. */
  private static final class Flow implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    Flow(String topic, int total) {
      thread =
          new Thread(
              () -> {
                SyntheticData data = new SyntheticData(FEATURES, MODELS, 0.1f, 5);
                try (KafkaProducer<byte[], byte[]> p =
                    KafkaClients.producer(kafka.bootstrapServers())) {
                  for (int i = 0; i < total && !stop.get(); i++) {
                    p.send(KafkaClients.record(topic, data.next()));
                    if (i % 100 == 99) {
                      p.flush();
                      Thread.sleep(100); // a stream of about 1,000 samples/s, not a backfill
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "sample-flow");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      thread.join(); // every sample of the flow is written before the last, bounded start
    }
  }

  /** The CLI in its own JVM, as a user starts it. */
  private record Run(Process process, Path log) {
    static Run start(List<String> args, Path log) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx768m", "-cp"));
      cmd.add(System.getProperty("streamgrad.cliJar", "target/streamgrad.jar"));
      cmd.add("io.streamgrad.jobs.cli.StreamgradCli");
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      return new Run(pb.start(), log);
    }

    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    void await(String line) throws Exception {
      waitFor(
          () -> {
            try {
              return output().contains(line) || !process.isAlive();
            } catch (IOException e) {
              return false;
            }
          },
          Duration.ofMinutes(2));
      assertTrue(output().contains(line), output());
    }

    /** SIGTERM, then the exit. */
    String stop() throws Exception {
      process.destroy();
      return awaitExit();
    }

    void kill() throws Exception {
      process.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
    }

    String awaitExit() throws Exception {
      assertTrue(process.waitFor(4, TimeUnit.MINUTES), "exited: " + output());
      assertEquals(0, process.exitValue(), output());
      return output();
    }
  }

  private static void awaitSnapshots(String topic, long atLeast) throws Exception {
    waitFor(() -> count(topic) >= atLeast, Duration.ofMinutes(3));
  }

  private static void waitFor(BooleanSupplier condition, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  /** Committed records of {@code topic}. */
  private static long count(String topic) {
    long[] n = {0};
    kafka.readCommitted(topic, r -> n[0]++);
    return n[0];
  }

  private static Map<String, List<WeightSnapshot>> byModel(String topic) {
    Map<String, List<WeightSnapshot>> out = new TreeMap<>();
    kafka.readCommitted(
        topic,
        r -> {
          WeightSnapshot s = WireFormat.snapshot(r.value());
          out.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s);
        });
    return out;
  }

  private static Map<String, Long> producedPerModel(String topic) {
    Map<String, Long> out = new HashMap<>();
    kafka.readCommitted(
        topic, r -> out.merge(new String(r.key(), StandardCharsets.UTF_8), 1L, Long::sum));
    return out;
  }

  private static int[] bits(WeightSnapshot s) {
    List<Integer> out = new ArrayList<>();
    for (NamedTensor t : s.getParameters()) {
      for (float v : t.getValues()) {
        out.add(Float.floatToIntBits(v));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
