package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.kafka.KafkaClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * A sink that refuses its records: named before the job starts when the refusal can be foreseen (a
 * snapshot topic smaller than a snapshot), else the job ends after its allowed restarts with the
 * cause in one line (a topic shrunk under the running job): no restart loop, no hang.
 */
class PermanentFailureTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static void createSmallTopic(String name) throws Exception {
    try (Admin admin = Admin.create(KafkaClients.settings(kafka.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic(name, 1, (short) 1).configs(Map.of("max.message.bytes", "64"))))
          .all()
          .get();
    }
  }

  private static void produceSamples(String topic) throws Exception {
    SyntheticData data = new SyntheticData(3, 1, 0.1f, 1);
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 64; i++) {
        producer.send(KafkaClients.record(topic, data.next()));
      }
    }
  }

  private static UserErrorsTest.Run train(String prefix, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                prefix + "-samples",
                "--snapshots-topic",
                prefix + "-snapshots",
                "--dead-letters-topic",
                prefix + "-dead",
                "--features",
                "3",
                "--batch-size",
                "32",
                "--snapshot-every",
                "1",
                "--bounded",
                "--parallelism",
                "1",
                "--checkpoint-interval-ms",
                "0",
                "--starting-offsets",
                "earliest",
                "--max-restarts",
                "2",
                "--fresh"));
    args.addAll(List.of(extra));
    return UserErrorsTest.run(args.toArray(String[]::new));
  }

  @Test
  void aSnapshotTopicSmallerThanASnapshotIsNamedBeforeTheJobStarts() throws Exception {
    createSmallTopic("pf-snapshots");
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "pf-samples", "pf-dead");
    produceSamples("pf-samples");
    UserErrorsTest.Run r = train("pf");
    assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
    assertTrue(
        r.err()
            .matches(
                "(?s).*streamgrad train: RecordTooLargeException ahead: the snapshots of this"
                    + " model are up to \\d+ bytes, and topic 'pf-snapshots' takes 64 \\(its"
                    + " max.message.bytes\\).*"),
        r.err());
    assertFalse(r.err().contains("Recovery is suppressed"), "no job ran: " + r.err());
  }

  @Test
  void aSinkThatStartsRefusingMidRunEndsTheJobWithTheCause() throws Exception {
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(), 1, "pm-samples", "pm-snapshots", "pm-dead");
    produceSamples("pm-samples");
    CompletableFuture<UserErrorsTest.Run> running =
        CompletableFuture.supplyAsync(
            () ->
                UserErrorsTest.run(
                    "train",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--samples-topic",
                    "pm-samples",
                    "--snapshots-topic",
                    "pm-snapshots",
                    "--dead-letters-topic",
                    "pm-dead",
                    "--features",
                    "3",
                    "--batch-size",
                    "32",
                    "--snapshot-every",
                    "1",
                    "--parallelism",
                    "1",
                    "--checkpoint-interval-ms",
                    "500",
                    "--max-restarts",
                    "2",
                    "--job-name",
                    "permanent-failure-mid-run",
                    "--fresh"));
    try (KafkaConsumer<byte[], byte[]> c =
        KafkaClients.consumer(KafkaClients.settings(kafka.bootstrapServers()), false)) {
      TopicPartition tp = new TopicPartition("pm-snapshots", 0);
      while (c.endOffsets(List.of(tp)).get(tp) == 0) { // the job writes snapshots
        Thread.sleep(100);
      }
    }
    // The topic's owner shrinks it under the running job.
    try (Admin admin = Admin.create(KafkaClients.settings(kafka.bootstrapServers()))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "pm-snapshots");
      admin
          .incrementalAlterConfigs(
              Map.of(
                  topic,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("max.message.bytes", "64"), AlterConfigOp.OpType.SET))))
          .all()
          .get();
    }
    long refused = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers())) {
      SyntheticData data = new SyntheticData(3, 1, 0.1f, 2);
      while (!running.isDone()) { // more samples, more snapshots to refuse
        for (int i = 0; i < 64; i++) {
          producer.send(KafkaClients.record("pm-samples", data.next()));
        }
        producer.flush();
        Thread.sleep(200);
      }
    }
    UserErrorsTest.Run r = running.get();
    assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
    String line =
        r.err()
            .lines()
            .filter(l -> l.startsWith("streamgrad train failed: "))
            .findFirst()
            .orElse("");
    assertTrue(line.contains("RecordTooLargeException"), "the root cause, first: " + r.err());
    assertTrue(
        line.contains("Recovery is suppressed"), "and that the restarts are used up: " + line);
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
    System.out.printf(
        "PermanentFailureTest: the job ended %.1f s after its sink began refusing: %s%n",
        (System.nanoTime() - refused) / 1e9, line);
  }
}
