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
