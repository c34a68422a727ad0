package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.export.onnx.ExportFixtures;
import io.streamgrad.export.onnx.OnnxRuntime;
import io.streamgrad.export.triton.TritonRepository;
import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.online.serving.NewestVersions;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export} end to end on a real broker: models trained by {@code local} (a dense MLP with
 * standardization, and a factorization machine, each with injected failures) are exported from the
 * snapshot topic, from a file, by version and live into a Triton repository; ONNX Runtime answers
 * what the predictor of the same version answers.
 */
class ExportCommandTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();
  @TempDir static Path dir;

  static List<WeightSnapshot> dense;
  static List<WeightSnapshot> sparse;

  private static int cli(String... args) {
    return StreamgradCli.commandLine(new StreamgradCli()).execute(args);
  }

  /** {@code export} of the snapshots on {@code topic} of the test's broker. */
  private static int exportFromTopic(String topic, String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "export",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--snapshots-topic",
                topic));
    all.addAll(List.of(args));
    return cli(all.toArray(new String[0]));
  }

  /** Runs {@code local} on the test's broker with its own topics and a live export. */
  private static void local(String prefix, Path repository, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "local",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                prefix + "-samples",
                "--snapshots-topic",
                prefix + "-snapshots",
                "--dead-letters-topic",
                prefix + "-dead",
                "--requests",
                "0",
                "--models",
                "2",
                "--fail-after",
                "3000,7000",
                "--delivery",
                "exactly-once",
                "--export",
                repository.toString()));
    args.addAll(List.of(extra));
    assertEquals(0, cli(args.toArray(new String[0])));
  }

  @BeforeAll
  static void train() throws Exception {
    local(
        "mlp",
        dir.resolve("mlp-repo"),
        "--model",
        "mlp:6,3",
        "--preprocess",
        "standardize",
        "--samples",
        "12000",
        "--features",
        "5");
    local(
        "fm",
        dir.resolve("fm-repo"),
        "--sparse",
        "--model",
        "fm:4",
        "--optimizer",
        "adagrad",
        "--features",
        "2",
        "--hash-bits",
        "12",
        "--samples",
        "12000");
    dense = snapshots("mlp-snapshots");
    sparse = snapshots("fm-snapshots");
  }

  private static List<WeightSnapshot> snapshots(String topic) {
    List<WeightSnapshot> out = new ArrayList<>();
    kafka.readCommitted(topic, r -> out.add(WireFormat.snapshot(r.value())));
    return out;
  }

  /** Each model's version {@code version} (newest when MAX_VALUE) rebuilt from the snapshots. */
  private static ServedModel model(List<WeightSnapshot> all, String id, long version) {
    NewestVersions v = new NewestVersions(java.util.Set.of(id), version);
    all.forEach(v::offer);
    return v.latest(id);
  }

  private static void assertSameAnswers(ServedModel expected, byte[] onnx) throws Exception {
    int features = expected.features();
    int rows = 50;
    float[] x = ExportFixtures.dense(rows, features, 3);
    SparseBatch s =
        expected.hashBits() > 0 ? ExportFixtures.sparse(rows, expected.hashBits(), 4) : null;
    float[] want = new float[rows];
    expected.predict(x, s, rows, want);
    try (OnnxRuntime ort = new OnnxRuntime(onnx)) {
      float[] got = ort.predict(x, features, s, rows);
      for (int i = 0; i < rows; i++) {
        assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])), "row " + i);
      }
      assertEquals(
          Long.toString(expected.version()),
          ort.session().getMetadata().getCustomMetadata().get("streamgrad.version"));
    }
  }

  @Test
  void theNewestVersionFromTheTopicAnswersAsThePredictor() throws Exception {
    for (String topic : List.of("mlp", "fm")) {
      Path file = dir.resolve(topic + "-model-1.onnx");
      assertEquals(
          0,
          exportFromTopic(
              topic + "-snapshots", "--model-id", "model-1", "--output", file.toString()));
      ServedModel newest = model(topic.equals("mlp") ? dense : sparse, "model-1", Long.MAX_VALUE);
      assertSameAnswers(newest, Files.readAllBytes(file));
    }
  }

  @Test
  void aNamedVersionAndASnapshotFile() throws Exception {
    // An older version of the sparse model: its tables as they were then.
    long older = model(sparse, "model-0", Long.MAX_VALUE).version() / 2;
    ServedModel expected = model(sparse, "model-0", older);
    Path file = dir.resolve("fm-older.onnx");
    assertEquals(
        0,
        exportFromTopic(
            "fm-snapshots",
            "--model-id",
            "model-0",
            "--version",
            Long.toString(expected.version()),
            "--output",
            file.toString()));
    assertSameAnswers(expected, Files.readAllBytes(file));

    // The same records in an Avro container file: the same model, no broker needed.
    Path avro = dir.resolve("fm-snapshots.avro");
    try (DataFileWriter<WeightSnapshot> w =
        new DataFileWriter<>(new SpecificDatumWriter<>(WeightSnapshot.class))) {
      w.create(WeightSnapshot.getClassSchema(), avro.toFile());
      for (WeightSnapshot s : sparse) {
        w.append(s);
      }
    }
    Path fromFile = dir.resolve("fm-from-file.onnx");
    assertEquals(
        0,
        cli(
            "export",
            "--snapshot-file",
            avro.toString(),
            "--model-id",
            "model-0",
            "--version",
            Long.toString(expected.version()),
            "--output",
            fromFile.toString()));
    assertSameAnswers(expected, Files.readAllBytes(fromFile));

    // Records back to back, as the topic holds them.
    Path raw = dir.resolve("mlp-snapshots.bin");
    try (var out = Files.newOutputStream(raw)) {
      for (WeightSnapshot s : dense) {
        out.write(WireFormat.encode(s));
      }
    }
    Path fromRaw = dir.resolve("mlp-from-raw.onnx");
    assertEquals(
        0,
        cli(
            "export",
            "--snapshot-file",
            raw.toString(),
            "--model-id",
            "model-0",
            "--output",
            fromRaw.toString()));
    assertSameAnswers(model(dense, "model-0", Long.MAX_VALUE), Files.readAllBytes(fromRaw));
  }

  @Test
  void aVersionThatIsNotThereIsNamed() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          exportFromTopic(
              "mlp-snapshots",
              "--model-id",
              "model-0",
              "--version",
              "999999",
              "--output",
              dir.resolve("none.onnx").toString());
    } finally {
      System.setErr(err);
    }
    assertEquals(2, code);
    String message = captured.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains("model-0 has no complete version 999999"), message);
    assertFalse(Files.exists(dir.resolve("none.onnx")));
  }

  @Test
  void theLiveRepositoryHoldsOnlyWholeVersionsAndEachModelsLast() throws Exception {
    for (String topic : List.of("mlp", "fm")) {
      Path repo = dir.resolve(topic + "-repo");
      List<WeightSnapshot> all = topic.equals("mlp") ? dense : sparse;
      for (String id : List.of("model-0", "model-1")) {
        Path modelDir = repo.resolve(id);
        assertTrue(
            Files.readString(modelDir.resolve("config.pbtxt")).contains("name: \"" + id + "\""));
        List<Path> versions;
        try (Stream<Path> s = Files.list(modelDir)) {
          versions = s.filter(Files::isDirectory).sorted().toList();
        }
        assertFalse(versions.isEmpty());
        assertTrue(versions.size() <= 3, "the newest 3 kept: " + versions);
        ServedModel newest = model(all, id, Long.MAX_VALUE);
        assertTrue(
            Files.isDirectory(modelDir.resolve(Long.toString(newest.version()))),
            versions.toString());
        for (Path v : versions) {
          // every version whole: it loads and answers as the predictor of that version
          long version = Long.parseLong(v.getFileName().toString());
          assertSameAnswers(model(all, id, version), Files.readAllBytes(v.resolve("model.onnx")));
        }
      }
      assertFalse(Files.exists(repo.resolve(TritonRepository.STAGING)));
    }
  }

  @Test
  void followingKeepsARepositoryOfEveryModel() throws Exception {
    Path repo = dir.resolve("followed");
    assertEquals(
        0,
        exportFromTopic(
            "mlp-snapshots",
            "--triton-repository",
            repo.toString(),
            "--follow",
            "--min-interval",
            "0s",
            "--idle-timeout",
            "3s"));
    Map<String, Long> held = new TreeMap<>();
    for (String id : List.of("model-0", "model-1")) {
      held.put(id, TritonRepository.builder(repo).build().newestVersion(id).orElse(-1));
      assertEquals(model(dense, id, Long.MAX_VALUE).version(), held.get(id), held.toString());
    }
  }
}
