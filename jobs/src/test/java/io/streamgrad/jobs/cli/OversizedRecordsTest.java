package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records near and far beyond Kafka's size limits, on a job with default client settings: each gets
 * a dead letter that fits its topic, the job never fails (it is not allowed a single restart), and
 * samples seen + dead letters = records produced.
 */
class OversizedRecordsTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  /**
   * The dead-letter topic's limit: a quarter of Kafka's default, so even default-sized records must
   * be cut.
   */
  private static final int DEAD_LETTER_TOPIC_MAX = 262_144;

  private static void createTopic(Admin admin, String name, int maxMessageBytes) throws Exception {
    admin
        .createTopics(
            List.of(
                new NewTopic(name, 1, (short) 1)
                    .configs(Map.of("max.message.bytes", String.valueOf(maxMessageBytes)))))
        .all()
        .get();
  }

  private static byte[] sample(String modelId, int features) {
    List<Float> x = new ArrayList<>(Collections.nCopies(features, 0.5f));
    return WireFormat.encode(
        Sample.newBuilder().setModelId(modelId).setFeatures(x).setLabel(1f).build());
  }

  @Test
  void everyOversizedRecordGetsADeadLetterThatFitsAndTheJobNeverFails() throws Exception {
    String bs = kafka.bootstrapServers();
    Properties ap = new Properties();
    ap.put("bootstrap.servers", bs);
    try (Admin admin = Admin.create(ap)) {
      createTopic(admin, "big-samples", 50_000_000); // a topic that allows a 40 MB record
      createTopic(admin, "big-snapshots", 1_048_588);
      createTopic(admin, "big-dead", DEAD_LETTER_TOPIC_MAX);
    }
    EmbeddedKafka.createTopics(
        bs, 1, "big-samples", "big-snapshots", "big-dead"); // waits for the leaders

    Map<String, String> expected = new HashMap<>(); // distinguishing payload prefix -> reason
    Properties pp = KafkaClients.settings(bs);
    pp.put("max.request.size", "50000000");
    pp.put("buffer.memory", String.valueOf(128 << 20));
    long produced = 0;
    int fortyLength;
    int longIdLength;
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(pp)) {
      for (int i = 0; i < 640; i++) {
        producer
            .send(
                new ProducerRecord<>(
                    "big-samples", "ok".getBytes(StandardCharsets.UTF_8), sample("ok", 3)))
            .get();
        produced++;
      }
      byte[] oneMegabyte = new byte[1_048_508]; // what an all-default broker accepts
      new Random(1).nextBytes(oneMegabyte);
      byte[] fortyMegabytes = sample("huge", 10_000_000); // 10 million floats
      byte[] longId = sample("i".repeat(2_000_000), 3); // a 2 MB model id
      fortyLength = fortyMegabytes.length;
      longIdLength = longId.length;
      byte[] longIdThatFits =
          sample("é".repeat(450_000), 3); // 900 KB of model id: under the record limit
      byte[] malformed = new byte[500_000]; // a valid header, then garbage
      System.arraycopy(sample("ok", 3), 0, malformed, 0, 10);
      for (int i = 10; i < malformed.length; i++) {
        malformed[i] = (byte) 0xFF;
      }
      for (byte[] v : List.of(oneMegabyte, fortyMegabytes, longId, longIdThatFits, malformed)) {
        producer.send(new ProducerRecord<>("big-samples", v)).get();
        produced++;
      }
    }

    UserErrorsTest.Run train =
        UserErrorsTest.run(
            "train",
            "--fresh", // a test of its own: no state of an earlier one
            "--bootstrap-servers",
            bs,
            "--samples-topic",
            "big-samples",
            "--snapshots-topic",
            "big-snapshots",
            "--dead-letters-topic",
            "big-dead",
            "--features",
            "3",
            "--bounded",
            "--parallelism",
            "1",
            "--checkpoint-interval-ms",
            "0",
            "--starting-offsets",
            "earliest",
            "--max-restarts",
            "0");
    assertEquals(0, train.exit(), "no failure, not even one restart: " + train.err());

    List<DeadLetter> dead = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    KafkaOptions k = new KafkaOptions();
    k.bootstrapServers = bs;
    k.kafkaTimeout = java.time.Duration.ofSeconds(10);
    TopicReader.read(
        k,
        "big-dead",
        2000,
        bytes -> {
          sizes.add(bytes.length);
          dead.add(WireFormat.deadLetter(bytes));
        });
    List<WeightSnapshot> snapshots = new ArrayList<>();
    TopicReader.read(k, "big-snapshots", 1000, bytes -> snapshots.add(WireFormat.snapshot(bytes)));
    long seen = snapshots.stream().mapToLong(WeightSnapshot::getSamplesSeen).max().orElse(0);
    assertEquals(640, seen);
    assertEquals(produced, seen + dead.size(), "samples seen + dead letters = records produced");

    Map<String, DeadLetter> byReason = new HashMap<>();
    for (DeadLetter d : dead) {
      byReason.merge(d.getReason(), d, (a, b) -> a);
    }
    assertEquals(5, dead.size(), "one dead letter per bad record: " + byReason.keySet());
    for (int s : sizes) {
      assertTrue(s <= DEAD_LETTER_TOPIC_MAX, "every dead letter fits its topic: " + s);
    }
    DeadLetter oneMb = byReason.get("record too large: 1048508 bytes");
    assertEquals(1_048_508L, oneMb.getPayloadSize());
    assertEquals(64, oneMb.getPayloadSha256().length());
    assertTrue(fortyLength > 40_000_000 && longIdLength > 2_000_000);
    DeadLetter forty = byReason.get("record too large: " + fortyLength + " bytes");
    assertEquals(fortyLength, forty.getPayloadSize(), byReason.keySet().toString());
    DeadLetter longIdDl = byReason.get("record too large: " + longIdLength + " bytes");
    assertEquals(longIdLength, longIdDl.getPayloadSize(), byReason.keySet().toString());
    DeadLetter longIdFits = byReason.get("model id longer than 256 characters");
    assertEquals(
        "é".repeat(256), longIdFits.getModelId(), "the model id is cut in the dead letter");
    assertTrue(
        longIdFits.getPayloadSize() > 900_000,
        "its payload was cut to fit the topic: " + longIdFits.getPayloadSize());
    DeadLetter garbage =
        dead.stream()
            .filter(d -> d.getReason().startsWith("malformed Avro body"))
            .findFirst()
            .orElseThrow();
    assertEquals(500_000L, garbage.getPayloadSize());
    assertTrue(
        garbage.getPayload().remaining() > DEAD_LETTER_TOPIC_MAX - 2048,
        "as much of the payload as fits is kept");
  }
}
