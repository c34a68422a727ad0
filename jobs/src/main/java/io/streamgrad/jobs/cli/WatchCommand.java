package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.WireFormat;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the snapshot stream as a table, one row per snapshot, with the distance to known true weights. */
@Command(name = "watch", mixinStandardHelpOptions = true, description = "Print weight snapshots as they arrive.")
public final class WatchCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--idle-timeout-ms", defaultValue = "0",
      description = "Stop after this long without a new snapshot; 0 = run until interrupted (default: ${DEFAULT-VALUE}).")
  long idleTimeoutMs;

  @Option(names = "--true-weights",
      description = "JSON file of the true weights, {\"model-0\": [..], ...} as `produce` prints them: adds the distance column.")
  java.nio.file.Path trueWeights;

  @Override
  public Integer call() throws Exception {
    if (kafka.bootstrapServers == null) {
      System.err.println("watch: --bootstrap-servers is required");
      return 2;
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

  private static final long ASSIGNMENT_TIMEOUT_MS = 60_000;

  /**
   * Reads {@code topic} from the beginning until nothing new arrives for {@code idleMillis} after
   * the consumer got its partitions.
   */
  static long read(KafkaOptions kafka, String topic, long idleMillis, Consumer<byte[]> each) {
    Properties p = kafka.clientProperties();
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "streamgrad-watch-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      // The idle window starts once partitions are assigned: joining the group can take seconds.
      long deadlineForAssignment = System.currentTimeMillis() + ASSIGNMENT_TIMEOUT_MS;
      long lastNews = Long.MAX_VALUE;
      while (lastNews == Long.MAX_VALUE || System.currentTimeMillis() - lastNews < idleMillis) {
        var records = consumer.poll(Duration.ofMillis(200));
        if (lastNews == Long.MAX_VALUE) {
          if (!consumer.assignment().isEmpty()) {
            lastNews = System.currentTimeMillis();
          } else if (System.currentTimeMillis() > deadlineForAssignment) {
            throw new IllegalStateException("no partition of " + topic + " was assigned within " + ASSIGNMENT_TIMEOUT_MS + " ms");
          }
        }
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
