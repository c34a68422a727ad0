package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.kafka.KafkaClients;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * A failure that will not go away (here: a snapshots topic that refuses every snapshot as too
 * large) ends the job after its allowed restarts, with the cause in one line: no restart loop.
 */
class PermanentFailureTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  @Test
  void aSinkThatRefusesItsRecordEndsTheJobWithTheCause() throws Exception {
    String bs = kafka.bootstrapServers();
    Properties p = KafkaClients.settings(bs);
    try (Admin admin = Admin.create(p)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("pf-snapshots", 1, (short) 1)
                      .configs(Map.of("max.message.bytes", "64"))))
          .all()
          .get();
    }
    EmbeddedKafka.createTopics(bs, 1, "pf-samples", "pf-snapshots", "pf-dead");
    SyntheticData data = new SyntheticData(3, 1, 0.1f, 1);
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bs)) {
      for (int i = 0; i < 64; i++) {
        producer.send(KafkaClients.record("pf-samples", data.next()));
      }
    }
    UserErrorsTest.Run r =
        UserErrorsTest.run(
            "train",
            "--bootstrap-servers",
            bs,
            "--samples-topic",
            "pf-samples",
            "--snapshots-topic",
            "pf-snapshots",
            "--dead-letters-topic",
            "pf-dead",
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
            "2");
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
    System.out.println("PermanentFailureTest: " + line);
  }
}
