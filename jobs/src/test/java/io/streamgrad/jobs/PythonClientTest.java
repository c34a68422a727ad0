package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.ForeignClients.Run;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.graph.InitialModels;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.KnownSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A producer and a reader written in Python (clients/python, Debian's python3-confluent-kafka and
 * python3-avro) against the real broker and the real training job: the Python fingerprints are
 * Java's, the partitions are Java's, the job learns the weights the Python producer drew, and
 * Python decodes the snapshots and dead letters. In CI (which installs the packages) a missing
 * Python fails the test; elsewhere it is skipped with the command that installs it.
 */
class PythonClientTest {
  static final String PYTHON = "/usr/bin/python3";
  static final Path CLIENT = Path.of("..", "clients", "python").toAbsolutePath().normalize();

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  static Run python(String... args) throws IOException, InterruptedException {
    return ForeignClients.run(CLIENT, PYTHON, args);
  }

  @BeforeAll
  static void pythonIsThere() throws Exception {
    boolean there =
        Files.isExecutable(Path.of(PYTHON))
            && python("-c", "import confluent_kafka, avro").exit() == 0;
    if (System.getenv("CI") == null) {
      Assumptions.assumeTrue(
          there, "apt-get install python3-confluent-kafka python3-avro (.ci/run does)");
    }
    assertTrue(there, "CI installs python3-confluent-kafka and python3-avro (.ci/run)");
  }

  @Test
  void pythonFingerprintsAreJavas() throws Exception {
    Run r =
        python(
            "-c",
            "import streamgrad_client as c\n"
                + "for k, v in sorted(c.Codec().fingerprints().items()): print(k, v)");
    assertEquals(0, r.exit(), r.out());
    for (String name : KnownSchemas.releasedNames()) {
      long fp =
          KnownSchemas.fingerprint(
              new org.apache.avro.Schema.Parser().parse(KnownSchemas.releasedText(name)));
      assertTrue(
          r.out().contains(name + " " + Long.toUnsignedString(fp)),
          name + " " + Long.toUnsignedString(fp) + " in " + r.out());
    }
  }

  /** A Python producer puts a token where the job does (the wire contract's hash). */
  @Test
  void pythonTokenIndicesAreJavas() throws Exception {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
    java.util.List<String> tokens =
        new java.util.ArrayList<>(java.util.List.of("", "site=news.example", "日本"));
    for (int i = 0; i < 500; i++) {
      StringBuilder t = new StringBuilder();
      for (int n = rnd.nextInt(25); n > 0; n--) {
        t.append((char) (rnd.nextInt(8) == 0 ? 0xe0 + rnd.nextInt(900) : 32 + rnd.nextInt(95)));
      }
      tokens.add(t.toString());
    }
    Path file = Files.createTempFile("tokens", ".txt");
    Files.writeString(
        file, String.join("\n", tokens.stream().map(t -> t.replace("\n", " ")).toList()));
    Run r =
        python(
            "-c",
            "import streamgrad_client as c, sys\n"
                + "for line in open(sys.argv[1], encoding='utf-8').read().split('\\n'):\n"
                + "    print(c.token_index(line, 24))",
            file.toString());
    assertEquals(0, r.exit(), r.out());
    String[] got = r.out().strip().split("\n");
    assertEquals(tokens.size(), got.length, r.out());
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i).replace("\n", " ");
      assertEquals(
          io.streamgrad.schemas.FeatureHashing.index(t, 24), Integer.parseInt(got[i].strip()), t);
    }
  }

  /** A label written in Python is the job's Label, field by field. */
  @Test
  void pythonLabelsAreJavas() throws Exception {
    Run r =
        python(
            "-c",
            "import streamgrad_client as c, datetime\n"
                + "codec = c.Codec()\n"
                + "when = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)\n"
                + "print(codec.label('m-1', 'req-7', 1.0, event_time=when, weight=0.5).hex())\n"
                + "print(codec.label('m-1', 'req-8', 0.0).hex())");
    assertEquals(0, r.exit(), r.out());
    ForeignClients.assertLabels(r.out());
  }

  @Test
  void producedFromPythonTrainedInFlinkReadBackInPython() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 2, "py-samples", "py-snapshots", "py-dead-letters");
    Run produced =
        python(
            "example.py",
            "produce",
            "--bootstrap-servers",
            bs,
            "--topic",
            "py-samples",
            "--models",
            "4",
            "--samples",
            "8000",
            "--bad");
    assertEquals(0, produced.exit(), produced.out());
    List<String> lines = produced.out().lines().toList();
    String weights = lines.stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
    // murmur2_random: every model in the partition Java's producer would choose.
    ForeignClients.assertJavaPartitions(lines, 2, 4);

    ForeignClients.train(
        bs, "py-samples", "py-snapshots", "py-dead-letters", "trained from python");

    Run checked2 =
        python(
            "example.py",
            "check",
            "--bootstrap-servers",
            bs,
            "--snapshots",
            "py-snapshots",
            "--dead-letters",
            "py-dead-letters",
            "--true-weights",
            weights);
    assertEquals(0, checked2.exit(), checked2.out());
    assertTrue(checked2.out().contains("py-3: version"), checked2.out());
    assertTrue(
        checked2
            .out()
            .contains("dead letter (DeadLetter-2): wrong feature count: expected 3, got 1"),
        checked2.out());
  }

  /**
   * Clicks over hashed tokens produced from Python, trained by a sparse FTRL model, and the model
   * rebuilt in Python from its full updates and deltas: the same non-zero weights as Java's
   * SparseModelAssembler, and the same click probability for a probe as the predictor's forward
   * pass (Python sums in double, Java in float).
   */
  @Test
  void aSparseModelTrainedFromPythonIsRebuiltInPython() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 2, "pys-samples", "pys-snapshots", "pys-dead-letters");
    Run produced =
        python(
            "example.py",
            "produce",
            "--sparse",
            "--bootstrap-servers",
            bs,
            "--topic",
            "pys-samples",
            "--models",
            "2",
            "--samples",
            "6000");
    assertEquals(0, produced.exit(), produced.out());

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    KafkaSettings s =
        KafkaSettings.builder()
            .bootstrapServers(bs)
            .samplesTopic("pys-samples")
            .snapshotsTopic("pys-snapshots")
            .deadLettersTopic("pys-dead-letters")
            .startingOffsets(StartingOffsets.parse("earliest"))
            .bounded(true)
            .build();
    TrainJob.build(
        env,
        s,
        OnlineTrainer.builder()
            .features(3)
            .model(io.streamgrad.nn.SparseModels.logistic(12))
            .optimizer(Optimizers.ftrl(0.1))
            .batchSize(16)
            .snapshotEvery(2)
            .build());
    env.execute("sparse, trained from python");

    Run checked =
        python(
            "example.py",
            "check",
            "--sparse",
            "--bootstrap-servers",
            bs,
            "--snapshots",
            "pys-snapshots");
    assertEquals(0, checked.exit(), checked.out());

    // Java's reading of the same topic: what a warm start rebuilds.
    KafkaSettings k = KafkaSettings.builder().bootstrapServers(bs).build();
    var java = InitialModels.fromTopic(k, "pys-snapshots").sparse();
    assertEquals(2, java.size());
    io.streamgrad.autograd.SparseBatch probe = new io.streamgrad.autograd.SparseBatch();
    for (String t : List.of("tok1", "tok2", "tok7", "tok30")) {
      probe.add(io.streamgrad.schemas.FeatureHashing.index(t, 12), 1f);
    }
    probe.endRow();
    for (var e : java.entrySet()) {
      var a = e.getValue();
      long nonZero = 0;
      for (var t : a.model().sparseTables()) {
        for (float v : t.storage()) {
          nonZero += v != 0f ? 1 : 0;
        }
      }
      float[] p = new float[1];
      a.served().predict(new float[] {0.5f, -1f, 2f}, probe, 1, p);
      String line =
          checked
              .out()
              .lines()
              .filter(l -> l.startsWith(e.getKey() + ":"))
              .findFirst()
              .orElseThrow();
      assertTrue(
          line.startsWith(
              e.getKey() + ": version " + a.version() + ", non-zero " + nonZero + ", gaps 0,"),
          line + " vs version " + a.version() + ", non-zero " + nonZero);
      assertTrue(nonZero > 50, line);
      double python = Double.parseDouble(line.substring(line.indexOf("probe ") + 6).strip());
      assertEquals(p[0], python, 1e-5, line);
    }
  }
}
