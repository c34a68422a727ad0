package io.streamgrad.jobs;

import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a warm start's models come from: the latest snapshot per model (highest version) of a
 * snapshot topic, read committed up to its end offsets now, or of an Avro container file of {@link
 * WeightSnapshot}s.
 */
public final class InitialModels {

  private InitialModels() {}

  /**
   * {@code topic:NAME}, {@code file:PATH}, or a bare value: a file if such a file exists, else a
   * topic.
   */
  public static Map<String, WeightSnapshot> load(String spec, TrainJob.Settings kafka)
      throws IOException {
    if (spec.startsWith("file:")) {
      return fromFile(Path.of(spec.substring("file:".length())));
    }
    if (spec.startsWith("topic:")) {
      return fromTopic(kafka, spec.substring("topic:".length()));
    }
    return Files.isRegularFile(Path.of(spec)) ? fromFile(Path.of(spec)) : fromTopic(kafka, spec);
  }

  public static Map<String, WeightSnapshot> fromFile(Path file) throws IOException {
    AvroTrust.install();
    Map<String, WeightSnapshot> latest = new TreeMap<>();
    try (DataFileReader<WeightSnapshot> reader =
        new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(WeightSnapshot.class))) {
      for (WeightSnapshot s : reader) {
        keepLatest(latest, s);
      }
    }
    return latest;
  }

  public static Map<String, WeightSnapshot> fromTopic(TrainJob.Settings kafka, String topic) {
    AvroTrust.install();
    Properties p = KafkaClients.settings(kafka.bootstrapServers);
    p.putAll(kafka.clientProperties);
    Map<String, WeightSnapshot> latest = new TreeMap<>();
    // read_committed: never a snapshot of a rolled-back attempt
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(p, true)) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
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
          try {
            keepLatest(latest, WireFormat.snapshot(r.value()));
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
        }
      }
    }
    return latest;
  }

  private static void keepLatest(Map<String, WeightSnapshot> latest, WeightSnapshot s) {
    latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
  }
}
