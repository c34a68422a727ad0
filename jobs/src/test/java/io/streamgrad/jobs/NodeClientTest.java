package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.train.Optimizers;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.schemas.KnownSchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A producer and a reader written in Node.js (clients/node: avsc and kafkajs from npm) against the
 * real broker and the real training job: the fingerprints are Java's, kafkajs' partitions are
 * Java's, the job learns the weights the Node producer drew, and Node decodes the snapshots and
 * dead letters. In CI (which installs Node and runs {@code npm ci}) a missing Node fails the test;
 * elsewhere it is skipped with the command that prepares it.
 */
class NodeClientTest {
  static final Path CLIENT = Path.of("..", "clients", "node").toAbsolutePath().normalize();

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  record Run(int exit, String out) {}

  static Run node(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("node"));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd).directory(CLIENT.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "node finished: " + out);
    return new Run(p.exitValue(), out);
  }

  @BeforeAll
  static void nodeIsThere() throws Exception {
    boolean there;
    try {
      there =
          Files.isDirectory(CLIENT.resolve("node_modules").resolve("kafkajs"))
              && node("-e", "require('./streamgrad')").exit() == 0;
    } catch (IOException e) {
      there = false; // no node on the PATH
    }
    if (System.getenv("CI") == null) {
      Assumptions.assumeTrue(there, "apt-get install nodejs npm; (cd clients/node && npm ci)");
    }
    assertTrue(there, "CI installs Node.js and runs npm ci in clients/node (.ci/run)");
  }

  @Test
  void nodeFingerprintsAreJavas() throws Exception {
    Run r = node("example.js", "fingerprints", "--bootstrap-servers", "unused:9092");
    assertEquals(0, r.exit(), r.out());
    for (String name : KnownSchemas.releasedNames()) {
      long fp =
          KnownSchemas.fingerprint(
              new org.apache.avro.Schema.Parser().parse(KnownSchemas.releasedText(name)));
      String hex = String.format("%016x", fp);
      assertTrue(r.out().contains("\"" + name + "\":\"" + hex + "\""), name + " " + hex);
    }
  }

  @Test
  void producedFromNodeTrainedInFlinkReadBackInNode() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 2, "node-samples", "node-snapshots", "node-dead-letters");
    Run produced =
        node(
            "example.js",
            "produce",
            "--bootstrap-servers",
            bs,
            "--topic",
            "node-samples",
            "--models",
            "4",
            "--samples",
            "8000",
            "--bad");
    assertEquals(0, produced.exit(), produced.out());
    List<String> lines = produced.out().lines().toList();
    String weights =
        lines.stream()
            .filter(l -> l.startsWith("weights "))
            .map(l -> l.substring("weights ".length()))
            .findFirst()
            .orElseThrow();
    int checked = 0;
    for (String l : lines) {
      if (l.startsWith("partition ")) {
        String[] f = l.split(" ");
        int java = Utils.toPositive(Utils.murmur2(f[1].getBytes(StandardCharsets.UTF_8))) % 2;
        assertEquals(java, Integer.parseInt(f[2]), "kafkajs' partition is Java's: " + l);
        checked++;
      }
    }
    assertEquals(4, checked, produced.out());

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    TrainJob.Settings s = new TrainJob.Settings();
    s.bootstrapServers = bs;
    s.samplesTopic = "node-samples";
    s.snapshotsTopic = "node-snapshots";
    s.deadLettersTopic = "node-dead-letters";
    s.startingOffsets = "earliest";
    s.bounded = true;
    TrainJob.build(
        env,
        s,
        OnlineTrainer.builder().features(3).optimizer(Optimizers.sgd(0.05)).batchSize(16).build());
    env.execute("trained from node");

    Run checked2 =
        node(
            "example.js",
            "check",
            "--bootstrap-servers",
            bs,
            "--snapshots",
            "node-snapshots",
            "--dead-letters",
            "node-dead-letters",
            "--true-weights",
            weights);
    assertEquals(0, checked2.exit(), checked2.out());
    assertTrue(checked2.out().contains("node-3: version"), checked2.out());
    assertTrue(
        checked2
            .out()
            .contains("dead letter (DeadLetter-2): wrong feature count: expected 3, got 1"),
        checked2.out());
  }
}
