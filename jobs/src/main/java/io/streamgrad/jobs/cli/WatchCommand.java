package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.KafkaClients;
import io.streamgrad.jobs.KafkaPreflight;
import io.streamgrad.jobs.WireFormat;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the snapshot stream as a table, one row per snapshot, with the distance to known true weights. */
@Command(name = "watch", mixinStandardHelpOptions = true, description = "Print weight snapshots as they arrive.")
public final class WatchCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(names = "--idle-timeout-ms", defaultValue = "0",
      description = "Stop after this long without a new snapshot; 0 = run until interrupted (default: ${DEFAULT-VALUE}).")
  long idleTimeoutMs;

  @Option(names = "--true-weights",
      description = "JSON file of the true weights, {\"model-0\": [..], ...} as `produce` prints them: adds the distance column.")
  java.nio.file.Path trueWeights;

  @Override
  public Integer call() throws Exception {
    kafka.validate(true);
    Check.atLeast("--idle-timeout-ms", idleTimeoutMs, 0);
    if (trueWeights != null && !java.nio.file.Files.isRegularFile(trueWeights)) {
      throw new BadOption("--true-weights " + trueWeights + ": no such file");
    }
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopics("the snapshots to watch", List.of(kafka.snapshotsTopic));
    }
    Table table = new Table(System.out, trueWeights == null ? Map.of() : readWeights(trueWeights));
    read(kafka, kafka.snapshotsTopic, idleTimeoutMs <= 0 ? Long.MAX_VALUE : idleTimeoutMs,
        bytes -> table.row(WireFormat.snapshot(bytes)));
    return 0;
  }

  /** The live table: model, version, samples, batch loss, prequential loss, weights head, distance. */
  static final class Table {
    private final PrintStream out;
    private final Map<String, float[]> trueWeights;
    final Map<String, WeightSnapshot> latest = new TreeMap<>();

    Table(PrintStream out, Map<String, float[]> trueWeights) {
      this.out = out;
      this.trueWeights = trueWeights;
      out.printf("%-12s %8s %10s %12s %12s  %-40s %s%n", "model", "version", "samples", "batch loss", "preq. loss", "weights (head)", "max |w - w*|");
    }

    void row(WeightSnapshot s) {
      latest.put(s.getModelId(), s);
      StringBuilder head = new StringBuilder();
      List<Float> w = s.getWeights();
      for (int i = 0; i < Math.min(4, w.size()); i++) {
        head.append(String.format("%8.4f", w.get(i)));
      }
      if (w.size() > 4) {
        head.append(" ...");
      }
      float[] t = trueWeights.get(s.getModelId());
      String dist = t == null ? "" : String.format("%.4f", maxAbsError(w, t));
      out.printf("%-12s %8d %10d %12.5f %12.5f  %-40s %s%n", s.getModelId(), s.getVersion(), s.getSamplesSeen(),
          s.getBatchLoss(), s.getPrequentialLoss(), head, dist);
    }
  }

  static Map<String, float[]> readWeights(java.nio.file.Path file) throws java.io.IOException {
    var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
    Map<String, float[]> out = new TreeMap<>();
    tree.fields().forEachRemaining(e -> {
      float[] w = new float[e.getValue().size()];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) e.getValue().get(i).asDouble();
      }
      out.put(e.getKey(), w);
    });
    return out;
  }

  static double maxAbsError(List<Float> w, float[] t) {
    double m = 0;
    for (int i = 0; i < t.length; i++) {
      m = Math.max(m, Math.abs(w.get(i) - t[i]));
    }
    return m;
  }

  /**
   * Reads {@code topic} (committed records only) from the beginning until nothing new arrives for
   * {@code idleMillis}.
   */
  static long read(KafkaOptions kafka, String topic, long idleMillis, Consumer<byte[]> each) {
    return read(kafka, topic, idleMillis, 0, each);
  }

  /**
   * Reads {@code topic} (committed records only) from the first record written at or after
   * {@code fromTimestamp} (epoch millis; 0 = the beginning) until nothing new arrives for {@code
   * idleMillis}. Partitions are assigned, not subscribed: no group to join, nothing committed.
   */
  static long read(KafkaOptions kafka, String topic, long idleMillis, long fromTimestamp, Consumer<byte[]> each) {
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(kafka.clientProperties(), true)) {
      var infos = consumer.partitionsFor(topic, kafka.kafkaTimeout);
      if (infos == null || infos.isEmpty()) {
        throw new KafkaPreflight.KafkaUnavailableException("topic '" + topic + "' does not exist at " + kafka.bootstrapServers);
      }
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      if (fromTimestamp <= 0) {
        consumer.seekToBeginning(partitions);
      } else {
        Map<TopicPartition, Long> at = new java.util.HashMap<>();
        partitions.forEach(tp -> at.put(tp, fromTimestamp));
        consumer.offsetsForTimes(at, kafka.kafkaTimeout).forEach((tp, found) -> {
          if (found == null) {
            consumer.seekToEnd(List.of(tp)); // nothing written since
          } else {
            consumer.seek(tp, found.offset());
          }
        });
      }
      long lastNews = System.currentTimeMillis();
      while (System.currentTimeMillis() - lastNews < idleMillis) {
        var records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
          lastNews = System.currentTimeMillis();
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          each.accept(r.value());
          count++;
        }
      }
    }
    return count;
  }
}
