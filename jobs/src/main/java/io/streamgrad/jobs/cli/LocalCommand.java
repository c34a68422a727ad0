package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.EmbeddedKafka;
import io.streamgrad.jobs.FailureInjection;
import io.streamgrad.jobs.TrainJob;
import io.streamgrad.jobs.WireFormat;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.WeightSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Everything on one machine with no external service: a real Kafka broker in this JVM (KRaft),
 * the topics, {@code produce}, {@code train} on a Flink MiniCluster until the input is consumed,
 * then the snapshot table and the learned vs true weights.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Run produce, train and watch end to end on an embedded Kafka broker and a Flink MiniCluster.")
public final class LocalCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin TrainerOptions trainer = new TrainerOptions();
  @Mixin ProduceCommand.DataOptions data = new ProduceCommand.DataOptions();

  @Option(names = "--partitions", defaultValue = "2", description = "Partitions of the samples topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--parallelism", defaultValue = "2", description = "Parallelism of the training job (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--summary-json", description = "Write a JSON summary of the run to this file.")
  Path summaryJson;

  @Option(names = "--fail-after", split = ",", paramLabel = "N",
      description = "Chaos: make the training job fail after N (then M, ...) processed samples; it restarts from its last checkpoint.")
  long[] failAfter = new long[0];

  @Option(names = "--checkpoint-interval-ms", defaultValue = "200",
      description = "Checkpoint interval when checkpoints are needed (--fail-after, exactly-once) (default: ${DEFAULT-VALUE}).")
  long checkpointIntervalMs;

  @Override
  public Integer call() {
    long start = System.nanoTime();
    EmbeddedKafka broker = null;
    try {
      if (kafka.bootstrapServers == null) {
        broker = new EmbeddedKafka();
        kafka.bootstrapServers = broker.bootstrapServers();
        System.err.println("started an embedded Kafka 4.2 broker (KRaft) at " + kafka.bootstrapServers);
      }
      EmbeddedKafka.createTopics(kafka.bootstrapServers, partitions, kafka.samplesTopic, kafka.snapshotsTopic, kafka.deadLettersTopic);
      ProduceCommand.Result produced =
          ProduceCommand.produce(kafka, data, trainer.features, null, null, 0, System.err);
      System.err.println("produced " + produced.produced() + " records for " + data.models + " models"
          + (produced.corrupted() > 0 ? " (" + produced.corrupted() + " bad on purpose)" : ""));

      OnlineTrainer t = trainer.build();
      TrainJob.KafkaSettings settings = kafka.settings();
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      // Exactly-once commits with checkpoints (the last one after the input ends).
      boolean transactional = settings.delivery == org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE;
      boolean checkpoints = transactional || failAfter.length > 0;
      TrainCommand.configure(env, parallelism, checkpoints ? checkpointIntervalMs : 0);
      // A local run that keeps failing should end with an error, not restart forever.
      env.configure(
          org.apache.flink.configuration.Configuration.fromMap(
              Map.of(
                  "restart-strategy.type", "fixed-delay",
                  "restart-strategy.fixed-delay.attempts", String.valueOf(failAfter.length + 3),
                  "restart-strategy.fixed-delay.delay", "200 ms")),
          LocalCommand.class.getClassLoader());
      String runId = "local-" + UUID.randomUUID();
      settings.failAfter = failAfter;
      settings.runId = runId;
      settings.groupId = "streamgrad-local-" + UUID.randomUUID();
      settings.startingOffsets = "earliest";
      settings.transactionalIdPrefix = settings.transactionalIdPrefix + "-" + UUID.randomUUID();
      settings.bounded = true; // stop once everything produced above is consumed
      TrainJob.build(env, settings, t);
      System.err.println("training " + t.config().model.name() + " with " + t.config().optimizer + " on a Flink MiniCluster…");
      env.execute("streamgrad-local");

      int restarts = FailureInjection.failures(runId);
      FailureInjection.forget(runId);
      WatchCommand.Table table = new WatchCommand.Table(System.out, produced.trueWeights());
      Map<String, java.util.List<Long>> versions = new TreeMap<>();
      WatchCommand.read(kafka, kafka.snapshotsTopic, 1500, bytes -> {
        WeightSnapshot s = WireFormat.snapshot(bytes);
        versions.computeIfAbsent(s.getModelId(), k -> new java.util.ArrayList<>()).add(s.getVersion());
        table.row(s);
      });
      Map<String, Long> deadLetters = new TreeMap<>();
      WatchCommand.read(kafka, kafka.deadLettersTopic, 1000,
          bytes -> deadLetters.merge(WireFormat.deadLetter(bytes).getReason(), 1L, Long::sum));

      System.out.println();
      for (Map.Entry<String, WeightSnapshot> e : table.latest.entrySet()) {
        float[] truth = produced.trueWeights().get(e.getKey());
        System.out.println(e.getKey() + "  learned: " + Json.array(FloatLists.unboxed(e.getValue().getWeights())));
        if (truth != null) {
          System.out.println(" ".repeat(e.getKey().length()) + "  true:    " + Json.array(truth)
              + "  (max |w - w*| = " + String.format("%.4f", WatchCommand.maxAbsError(e.getValue().getWeights(), truth)) + ")");
        }
      }
      long dead = deadLetters.values().stream().mapToLong(Long::longValue).sum();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("%d samples, %d dead letters %s, %d restarts, %.1f s%n", produced.produced(), dead, deadLetters, restarts, seconds);
      if (summaryJson != null) {
        Files.writeString(summaryJson, summary(produced, dead, deadLetters, restarts, seconds, table.latest, versions), StandardCharsets.UTF_8);
      }
      if (table.latest.isEmpty()) {
        System.err.println("local: no snapshot arrived; is the snapshots topic readable?");
        return 1;
      }
      return 0;
    } catch (Exception e) {
      System.err.println("local failed: " + e);
      e.printStackTrace();
      return 1;
    } finally {
      if (broker != null) {
        try {
          broker.close();
        } catch (Exception e) {
          System.err.println("stopping the embedded broker failed: " + e);
        }
      }
    }
  }

  static String summary(
      ProduceCommand.Result produced,
      long dead,
      Map<String, Long> byReason,
      int restarts,
      double seconds,
      Map<String, WeightSnapshot> latest,
      Map<String, java.util.List<Long>> versions) {
    StringBuilder b = new StringBuilder("{\n");
    b.append("  \"samples\": ").append(produced.produced()).append(",\n");
    b.append("  \"deadLetters\": ").append(dead).append(",\n");
    b.append("  \"deadLettersByReason\": {");
    int i = 0;
    for (Map.Entry<String, Long> e : byReason.entrySet()) {
      b.append(i++ == 0 ? "" : ", ").append(Json.string(e.getKey())).append(": ").append(e.getValue());
    }
    b.append("},\n");
    b.append("  \"restarts\": ").append(restarts).append(",\n");
    b.append("  \"seconds\": ").append(Json.number(seconds)).append(",\n");
    b.append("  \"models\": [");
    i = 0;
    for (Map.Entry<String, WeightSnapshot> e : latest.entrySet()) {
      WeightSnapshot s = e.getValue();
      float[] truth = produced.trueWeights().get(e.getKey());
      b.append(i++ == 0 ? "\n" : ",\n").append("    {\"modelId\": ").append(Json.string(e.getKey()))
          .append(", \"samplesSeen\": ").append(s.getSamplesSeen())
          .append(", \"version\": ").append(s.getVersion())
          .append(", \"finalLoss\": ").append(Json.number(s.getBatchLoss()))
          .append(", \"snapshots\": ").append(versions.getOrDefault(e.getKey(), java.util.List.of()).size())
          .append(", \"duplicateSnapshots\": ").append(duplicates(versions.getOrDefault(e.getKey(), java.util.List.of())))
          .append(", \"maxAbsWeightError\": ").append(truth == null ? "null" : Json.number(WatchCommand.maxAbsError(s.getWeights(), truth)))
          .append(", \"weights\": ").append(Json.array(FloatLists.unboxed(s.getWeights())))
          .append(", \"trueWeights\": ").append(truth == null ? "null" : Json.array(truth))
          .append('}');
    }
    return b.append("\n  ]\n}\n").toString();
  }

  static long duplicates(java.util.List<Long> versions) {
    return versions.size() - versions.stream().distinct().count();
  }
}
