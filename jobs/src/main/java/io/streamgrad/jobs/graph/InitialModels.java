package io.streamgrad.jobs.graph;

import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.online.snapshot.SnapshotFile;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a warm start's models come from: the latest snapshot per model (highest version) of a
 * snapshot topic, read committed up to its end offsets now, or of an Avro container file of {@link
 * WeightSnapshot}s. A sparse model's snapshots are updates of its tables: its records rebuild it
 * ({@link SparseModelAssembler}), up to the last version complete.
 */
public final class InitialModels {

  private InitialModels() {}

  /**
   * The models read: dense ones by their latest snapshot, sparse ones rebuilt; and each model's
   * newest {@code samplesSeen} among all the records read (what {@link #samplesSeen} finds).
   */
  public record Loaded(
      Map<String, WeightSnapshot> dense,
      Map<String, SparseModelAssembler> sparse,
      Map<String, Long> samplesSeen) {

    Loaded() {
      this(new TreeMap<>(), new TreeMap<>(), new HashMap<>());
    }

    /** No models. */
    public static Loaded none() {
      return new Loaded(Map.of(), Map.of(), Map.of());
    }

    public int size() {
      return dense.size() + sparse.size();
    }

    public boolean isEmpty() {
      return size() == 0;
    }

    void add(WeightSnapshot s) {
      tally(samplesSeen, s);
      if (s.getSparse() == null) {
        dense.merge(s.getModelId(), s, (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
        return;
      }
      SparseModelAssembler a =
          sparse.computeIfAbsent(s.getModelId(), k -> new SparseModelAssembler());
      if (s.getVersion() > a.version()) {
        a.accept(s);
      }
    }

    /** Drops sparse models whose records held no complete full update. */
    Loaded complete() {
      sparse.values().removeIf(a -> a.model() == null);
      return this;
    }
  }

  /**
   * {@code topic:NAME}, {@code file:PATH}, or a bare value: a file if such a file exists, else a
   * topic.
   */
  public static Loaded load(String spec, KafkaSettings kafka) throws IOException {
    if (spec.startsWith("file:")) {
      return fromFile(Path.of(spec.substring("file:".length())));
    }
    if (spec.startsWith("topic:")) {
      return fromTopic(kafka, spec.substring("topic:".length()));
    }
    return Files.isRegularFile(Path.of(spec)) ? fromFile(Path.of(spec)) : fromTopic(kafka, spec);
  }

  public static Loaded fromFile(Path file) throws IOException {
    AvroTrust.install();
    Loaded latest = new Loaded();
    SnapshotFile.read(file, latest::add);
    return latest.complete();
  }

  public static Loaded fromTopic(KafkaSettings kafka, String topic) {
    Loaded latest = new Loaded();
    readCommitted(kafka, topic, false, latest::add);
    return latest.complete();
  }

  /**
   * Each model's newest {@code samplesSeen} on a snapshot topic, without rebuilding any model: what
   * a run's report counts from. None when the topic does not exist yet.
   */
  public static Map<String, Long> samplesSeen(KafkaSettings kafka, String topic) {
    Map<String, Long> seen = new HashMap<>();
    readCommitted(kafka, topic, true, s -> tally(seen, s));
    return seen;
  }

  private static void tally(Map<String, Long> samplesSeen, WeightSnapshot s) {
    samplesSeen.merge(s.getModelId(), s.getSamplesSeen(), Math::max);
  }

  /** Every snapshot committed on {@code topic} now, oldest first per partition. */
  private static void readCommitted(
      KafkaSettings kafka, String topic, boolean missingIsEmpty, Consumer<WeightSnapshot> each) {
    AvroTrust.install();
    Properties p = KafkaClients.settings(kafka.bootstrapServers());
    p.putAll(kafka.clientProperties());
    // read_committed: never a snapshot of a rolled-back attempt
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(p, true)) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        if (missingIsEmpty) {
          return;
        }
        throw new IllegalArgumentException("snapshot topic '" + topic + "' does not exist");
      }
      List<TopicPartition> partitions =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // With read_committed, end offsets are the last stable offsets: everything committed now.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          WeightSnapshot s;
          try {
            s = WireFormat.snapshot(r.value());
          } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                "record at "
                    + r.topic()
                    + "-"
                    + r.partition()
                    + "@"
                    + r.offset()
                    + " is not a WeightSnapshot: "
                    + e.getMessage(),
                e);
          }
          each.accept(s);
        }
      }
    }
  }
}
