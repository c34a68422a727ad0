package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.train.Optimizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.utils.Utils;

/** What the tests of the clients in other languages share: Java's side of their round trip. */
final class ForeignClients {

  private ForeignClients() {}

  /** A client program's exit code and its output (stdout and stderr). */
  record Run(int exit, String out) {}

  /** Runs {@code program args...} in {@code dir} to its end (at most 5 minutes). */
  static Run run(Path dir, String program, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(program));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), program + " finished: " + out);
    return new Run(p.exitValue(), out);
  }

  /**
   * Checks the {@code partition MODEL P} lines a client printed: each model in the partition Java's
   * producer would choose among {@code partitions}; {@code models} of them.
   */
  /** The event time of the first label {@link #assertLabels} expects. */
  static final java.time.Instant LABEL_TIME = java.time.Instant.parse("2026-12-06T00:00:00Z");

  /**
   * Two labels a client printed in hex: (m-1, req-7, 1, {@link #LABEL_TIME}, weight 0.5) and (m-1,
   * req-8, 0) without event time or weight, as the job decodes them.
   */
  static void assertLabels(String out) {
    List<String> hex = out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    org.junit.jupiter.api.Assertions.assertEquals(2, hex.size(), out);
    io.streamgrad.schemas.Label a =
        io.streamgrad.schemas.WireFormat.label(java.util.HexFormat.of().parseHex(hex.get(0)));
    io.streamgrad.schemas.Label b =
        io.streamgrad.schemas.WireFormat.label(java.util.HexFormat.of().parseHex(hex.get(1)));
    org.junit.jupiter.api.Assertions.assertEquals("m-1", a.getModelId());
    org.junit.jupiter.api.Assertions.assertEquals("req-7", a.getRequestId());
    org.junit.jupiter.api.Assertions.assertEquals(1f, a.getLabel());
    org.junit.jupiter.api.Assertions.assertEquals(LABEL_TIME, a.getEventTime());
    org.junit.jupiter.api.Assertions.assertEquals(0.5f, a.getWeight());
    org.junit.jupiter.api.Assertions.assertEquals("req-8", b.getRequestId());
    org.junit.jupiter.api.Assertions.assertEquals(0f, b.getLabel());
    org.junit.jupiter.api.Assertions.assertNull(b.getEventTime());
    org.junit.jupiter.api.Assertions.assertNull(b.getWeight());
  }

  static void assertJavaPartitions(List<String> lines, int partitions, int models) {
    int checked = 0;
    for (String l : lines) {
      if (l.startsWith("partition ")) {
        String[] f = l.split(" ");
        int java =
            Utils.toPositive(Utils.murmur2(f[1].getBytes(StandardCharsets.UTF_8))) % partitions;
        assertEquals(java, Integer.parseInt(f[2]), "the client's partition is Java's: " + l);
        checked++;
      }
    }
    assertEquals(models, checked, String.join("\n", lines));
  }

  /** The training job over what the client produced: 3 features, SGD, bounded. */
  static void train(
      String bootstrapServers, String samples, String snapshots, String deadLetters, String name)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    KafkaSettings s =
        KafkaSettings.builder()
            .bootstrapServers(bootstrapServers)
            .samplesTopic(samples)
            .snapshotsTopic(snapshots)
            .deadLettersTopic(deadLetters)
            .startingOffsets(StartingOffsets.parse("earliest"))
            .bounded(true)
            .build();
    TrainJob.build(
        env,
        s,
        OnlineTrainer.builder().features(3).optimizer(Optimizers.sgd(0.05)).batchSize(16).build());
    env.execute(name);
  }
}
