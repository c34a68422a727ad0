package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.graph.InitialModels;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train --initial-model}: training the first half, then warm-starting the second half from
 * the first half's last snapshot gives, to the bit, the model trained on everything at once — when
 * snapshots carry the optimizer state (Adam's moments here).
 */
class WarmStartTest {

  private static final int SAMPLES = 3200; // 100 batches of 32; the halves are whole batches
  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  @BeforeAll
  static void start() throws Exception {
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(),
        1,
        "ws-all",
        "ws-first",
        "ws-second",
        "wss-all",
        "wss-first",
        "wss-second");
    SplittableRandom rng = new SplittableRandom(11);
    float[] w = {0.5f, -1.5f, 2f};
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < SAMPLES; i++) {
        List<Float> x = new ArrayList<>();
        double y = 0;
        for (float wj : w) {
          float v = (rng.nextFloat() - 0.5f) * 5f;
          x.add(v);
          y += v * wj;
        }
        byte[] value =
            WireFormat.encode(
                Sample.newBuilder()
                    .setModelId("m")
                    .setFeatures(x)
                    .setLabel((float) (y + rng.nextGaussian() * 0.1))
                    .build());
        byte[] key = "m".getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>("ws-all", key, value));
        producer.send(new ProducerRecord<>(i < SAMPLES / 2 ? "ws-first" : "ws-second", key, value));
        // Clicks over hashed tokens besides the dense part, for a sparse model.
        List<String> tokens = new ArrayList<>();
        double z = y * 0.3 - 0.5;
        for (int k = 0; k < 6; k++) {
          int t = (int) Math.floor(Math.pow(rng.nextDouble(), 3) * 2000);
          tokens.add("t" + t);
          z += t % 7 == 0 ? 1.2 : t % 5 == 0 ? -0.8 : 0;
        }
        byte[] click =
            WireFormat.encode(
                Sample.newBuilder()
                    .setModelId("m")
                    .setFeatures(x)
                    .setLabel(rng.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1f : 0f)
                    .setTokens(tokens)
                    .build());
        producer.send(new ProducerRecord<>("wss-all", key, click));
        producer.send(
            new ProducerRecord<>(i < SAMPLES / 2 ? "wss-first" : "wss-second", key, click));
      }
    }
  }

  /** A sparse model's training: FTRL or SGD over 2^12 hashed coordinates and 3 dense features. */
  private static void trainSparse(String samples, String snapshots, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--fresh", // a test of its own: no state of an earlier one
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                samples,
                "--snapshots-topic",
                snapshots,
                "--dead-letters-topic",
                "ws-dead",
                "--features",
                "3",
                "--model",
                "sparse-logistic",
                "--hash-bits",
                "12",
                "--batch-size",
                "32",
                "--snapshot-every",
                "3",
                "--bounded",
                "--starting-offsets",
                "earliest",
                "--parallelism",
                "1",
                "--checkpoint-interval-ms",
                "0"));
    args.addAll(List.of(extra));
    assertEquals(
        0,
        new CommandLine(new StreamgradCli()).execute(args.toArray(String[]::new)),
        String.join(" ", args));
  }

  private static io.streamgrad.online.snapshot.SparseModelAssembler sparseLatest(String topic) {
    var loaded = InitialModels.fromTopic(settings(), topic);
    assertEquals(0, loaded.dense().size());
    return loaded.sparse().get("m");
  }

  private static List<Integer> tableBits(io.streamgrad.online.snapshot.SparseModelAssembler a) {
    List<Integer> out = new ArrayList<>();
    for (var t : a.model().parameters()) {
      for (float v : t.toArray()) {
        out.add(Float.floatToIntBits(v));
      }
    }
    return out;
  }

  /**
   * A sparse model warm-starts from the model its snapshots' updates rebuild (a full update and
   * deltas): with SGD (no per-coordinate state) the second half continues to the bit; with FTRL the
   * weights carry over and the coordinates' learning rates start again.
   */
  @Test
  void aSparseModelWarmStartsFromItsRebuiltTables() {
    trainSparse("wss-all", "wss-out-all", "--optimizer", "sgd", "--lr", "0.1");
    trainSparse("wss-first", "wss-out-first", "--optimizer", "sgd", "--lr", "0.1");
    var half = sparseLatest("wss-out-first");
    assertEquals(50, half.version());
    trainSparse(
        "wss-second",
        "wss-out-second",
        "--optimizer",
        "sgd",
        "--lr",
        "0.1",
        "--initial-model",
        "topic:wss-out-first");
    var straight = sparseLatest("wss-out-all");
    var resumed = sparseLatest("wss-out-second");
    assertEquals(100, resumed.version(), "the version continues");
    assertEquals(SAMPLES, resumed.head().getSamplesSeen());
    assertEquals(0, resumed.gaps());
    assertEquals(tableBits(straight), tableBits(resumed), "bit-identical to one run");

    trainSparse("wss-first", "wss-out-first-ftrl", "--optimizer", "ftrl", "--lr", "0.1");
    trainSparse(
        "wss-second",
        "wss-out-second-ftrl",
        "--optimizer",
        "ftrl",
        "--lr",
        "0.1",
        "--initial-model",
        "topic:wss-out-first-ftrl");
    var ftrl = sparseLatest("wss-out-second-ftrl");
    assertEquals(100, ftrl.version());
    assertTrue(SnapshotTable.nonZero(ftrl.model()) > 0);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new TrainerOptionsAccess(3)
                    .build(InitialModels.fromTopic(settings(), "wss-out-first")));
    assertTrue(e.getMessage().contains("was trained as"), e.getMessage());
  }

  private static void train(String samples, String snapshots, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--fresh", // a test of its own: no state of an earlier one
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                samples,
                "--snapshots-topic",
                snapshots,
                "--dead-letters-topic",
                "ws-dead",
                "--features",
                "3",
                "--optimizer",
                "adam",
                "--lr",
                "0.05",
                "--batch-size",
                "32",
                "--snapshot-every",
                "7",
                "--bounded",
                "--starting-offsets",
                "earliest",
                "--parallelism",
                "1",
                "--checkpoint-interval-ms",
                "0"));
    args.addAll(List.of(extra));
    assertEquals(
        0,
        new CommandLine(new StreamgradCli()).execute(args.toArray(String[]::new)),
        String.join(" ", args));
  }

  private static WeightSnapshot latest(String topic) {
    KafkaSettings k = KafkaSettings.builder().bootstrapServers(kafka.bootstrapServers()).build();
    Map<String, WeightSnapshot> latest = InitialModels.fromTopic(k, topic).dense();
    assertEquals(1, latest.size());
    return latest.get("m");
  }

  private static List<Integer> bits(List<Float> v) {
    return v.stream().map(Float::floatToIntBits).toList();
  }

  @Test
  void warmStartFromATopicOrAFileContinuesExactly(@TempDir Path dir) throws Exception {
    train("ws-all", "ws-out-all", "--snapshot-optimizer-state");
    WeightSnapshot straight = latest("ws-out-all");
    assertEquals(100, straight.getVersion());

    train("ws-first", "ws-out-first", "--snapshot-optimizer-state");
    WeightSnapshot half = latest("ws-out-first");
    assertEquals(50, half.getVersion());
    assertNotNull(half.getOptimizerState());
    assertEquals(50, half.getOptimizerState().getStep());

    train(
        "ws-second",
        "ws-out-second",
        "--snapshot-optimizer-state",
        "--initial-model",
        "topic:ws-out-first");
    WeightSnapshot resumed = latest("ws-out-second");
    assertEquals(100, resumed.getVersion(), "the version continues, it is not reset");
    assertEquals(SAMPLES, resumed.getSamplesSeen());
    assertEquals(
        bits(straight.getWeights()),
        bits(resumed.getWeights()),
        "bit-identical to one run over all samples");
    assertEquals(Float.floatToIntBits(straight.getBias()), Float.floatToIntBits(resumed.getBias()));

    // The same from an Avro container file of snapshots (e.g. what an archiving sink writes).
    Path file = dir.resolve("snapshots.avro");
    try (DataFileWriter<WeightSnapshot> w =
        new DataFileWriter<>(new SpecificDatumWriter<>(WeightSnapshot.class))) {
      w.create(WeightSnapshot.getClassSchema(), file.toFile());
      w.append(half);
    }
    train("ws-second", "ws-out-second-file", "--initial-model", file.toString());
    assertEquals(bits(straight.getWeights()), bits(latest("ws-out-second-file").getWeights()));
  }

  @Test
  void withoutOptimizerStateTheWeightsContinueButAdamRestarts() {
    train("ws-first", "ws-out-first-plain");
    WeightSnapshot half = latest("ws-out-first-plain");
    assertEquals(null, half.getOptimizerState(), "only with --snapshot-optimizer-state");
    train("ws-second", "ws-out-second-plain", "--initial-model", "ws-out-first-plain");
    WeightSnapshot resumed = latest("ws-out-second-plain");
    assertEquals(100, resumed.getVersion());
    train("ws-all", "ws-out-all-plain");
    assertNotEquals(
        bits(latest("ws-out-all-plain").getWeights()),
        bits(resumed.getWeights()),
        "Adam's moments restart from zero: close, not identical");
  }

  @Test
  void aSnapshotThatDoesNotFitTheModelIsRefusedAtStart() {
    train("ws-first", "ws-out-first-3");
    // Same snapshots, a model with 4 features: w has the wrong shape.
    int exit =
        new CommandLine(new StreamgradCli())
            .execute(
                "train",
                "--fresh", // a test of its own: no state of an earlier one
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                "ws-first",
                "--features",
                "4",
                "--bounded",
                "--checkpoint-interval-ms",
                "0",
                "--initial-model",
                "topic:ws-out-first-3");
    assertNotEquals(0, exit);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new TrainerOptionsAccess(4)
                    .build(InitialModels.fromTopic(settings(), "ws-out-first-3")));
    assertEquals(
        "snapshot of model m: parameter 'weight' has shape [3], the model's is [4]",
        e.getMessage());
  }

  private static KafkaSettings settings() {
    KafkaSettings k = KafkaSettings.builder().bootstrapServers(kafka.bootstrapServers()).build();
    return k;
  }

  /** The CLI's trainer options with a feature count. */
  private static final class TrainerOptionsAccess {
    private final TrainerOptions options;

    TrainerOptionsAccess(int features) {
      options = new TrainerOptions();
      new CommandLine(options).parseArgs("--features", String.valueOf(features));
    }

    io.streamgrad.flink.OnlineTrainer build(InitialModels.Loaded initial) {
      return options.build(initial);
    }
  }
}
