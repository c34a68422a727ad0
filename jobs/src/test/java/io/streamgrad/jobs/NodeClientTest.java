package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.ForeignClients.Run;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.schemas.KnownSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  static Run node(String... args) throws IOException, InterruptedException {
    return ForeignClients.run(CLIENT, "node", args);
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
  void nodeHashesTokensWhereTheJobDoes() throws Exception {
    // What a caller of an exported sparse model computes itself: each token's coordinate.
    String[] tokens = {
      "", "a", "ab", "abc", "abcd", "user=42", "country=DE", "éclair", "日本", "x".repeat(37)
    };
    StringBuilder script = new StringBuilder("const s = require('./streamgrad');\n");
    for (String t : tokens) {
      script
          .append("console.log(s.tokenIndex(")
          .append(json(t))
          .append(", 20), s.tokenIndex(")
          .append(json(t))
          .append(", 30));\n");
    }
    Run r = node("-e", script.toString());
    assertEquals(0, r.exit(), r.out());
    List<String> lines = r.out().lines().toList();
    for (int i = 0; i < tokens.length; i++) {
      assertEquals(
          io.streamgrad.schemas.FeatureHashing.index(tokens[i], 20)
              + " "
              + io.streamgrad.schemas.FeatureHashing.index(tokens[i], 30),
          lines.get(i),
          "token '" + tokens[i] + "'");
    }
  }

  /** A label written in Node is the job's Label, field by field. */
  @Test
  void nodeLabelsAreJavas() throws Exception {
    Run r =
        node(
            "-e",
            "const s = require('./streamgrad'); const c = new s.Codec();\n"
                + "console.log(c.label('m-1', 'req-7', 1, { eventTime: "
                + ForeignClients.LABEL_TIME.toEpochMilli()
                + ", weight: 0.5 }).toString('hex'));\n"
                + "console.log(c.label('m-1', 'req-8', 0).toString('hex'));");
    assertEquals(0, r.exit(), r.out());
    ForeignClients.assertLabels(r.out());
  }

  private static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      out.append(
          c < 0x80 && c != '"' && c != '\\'
              ? String.valueOf(c)
              : String.format("\\u%04x", (int) c));
    }
    return out.append('"').toString();
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
    ForeignClients.assertJavaPartitions(lines, 2, 4);

    ForeignClients.train(
        bs, "node-samples", "node-snapshots", "node-dead-letters", "trained from node");

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

    // A dead-letter topic is created with the first dead letter: none yet is no failure.
    Run noDeadLetters =
        node(
            "example.js",
            "check",
            "--bootstrap-servers",
            bs,
            "--snapshots",
            "node-snapshots",
            "--dead-letters",
            "node-no-dead-letters-yet",
            "--true-weights",
            weights);
    assertEquals(0, noDeadLetters.exit(), noDeadLetters.out());
    assertTrue(
        noDeadLetters
            .out()
            .contains("no dead letters: topic node-no-dead-letters-yet does not exist yet"),
        noDeadLetters.out());
  }
}
