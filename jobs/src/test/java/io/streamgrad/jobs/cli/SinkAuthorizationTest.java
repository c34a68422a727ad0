package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.kafka.KafkaClients;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A sink topic this client may not write to (its ACLs), on a broker with Kafka's authorizer: {@code
 * train} names it before it submits anything, instead of a job that fails on its first record.
 */
class SinkAuthorizationTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void start() throws Exception {
    kafka =
        new EmbeddedKafka(
            Map.of(
                "authorizer.class.name",
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found",
                "true"));
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(), 1, "az-samples", "az-snapshots", "az-hidden", "az-dead");
    try (Admin admin = Admin.create(KafkaClients.settings(kafka.bootstrapServers()))) {
      admin
          .createAcls(
              List.of(
                  // readable, not writable
                  acl("az-snapshots", AclOperation.READ, AclPermissionType.ALLOW),
                  acl("az-snapshots", AclOperation.WRITE, AclPermissionType.DENY),
                  // with an ACL, but none that lets this client even see it
                  acl("az-hidden", AclOperation.WRITE, AclPermissionType.DENY)))
          .all()
          .get();
      // The ACLs hold once the broker has applied them (its metadata follows the controller's).
      long end = System.nanoTime() + 60_000_000_000L;
      while (true) {
        try {
          admin.describeTopics(List.of("az-hidden")).allTopicNames().get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof org.apache.kafka.common.errors.TopicAuthorizationException) {
            break;
          }
        }
        assertTrue(System.nanoTime() < end, "the ACLs took effect");
        Thread.sleep(100);
      }
    }
    SyntheticData data = new SyntheticData(3, 1, 0.1f, 1);
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 64; i++) {
        p.send(KafkaClients.record("az-samples", data.next()));
      }
    }
  }

  private static AclBinding acl(String topic, AclOperation op, AclPermissionType permission) {
    return new AclBinding(
        new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
        new AccessControlEntry("User:*", "*", op, permission));
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
  }

  private static UserErrorsTest.Run train(String snapshots) {
    return UserErrorsTest.run(
        "train",
        "--bootstrap-servers",
        kafka.bootstrapServers(),
        "--samples-topic",
        "az-samples",
        "--snapshots-topic",
        snapshots,
        "--dead-letters-topic",
        "az-dead",
        "--features",
        "3",
        "--bounded",
        "--fresh",
        "--checkpoint-interval-ms",
        "0");
  }

  @Test
  void aSnapshotTopicThisClientMayNotWriteToIsNamedBeforeTheJobStarts() {
    UserErrorsTest.Run r = train("az-snapshots");
    assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
    assertTrue(
        r.err()
            .startsWith(
                "streamgrad train: TopicAuthorizationException ahead: this client may not write"
                    + " to topic 'az-snapshots' at "
                    + kafka.bootstrapServers()
                    + " (where the job writes; its ACLs allow [DESCRIBE, READ])"),
        r.err());
  }

  @Test
  void aTopicThisClientMayNotEvenSeeIsNamedToo() {
    UserErrorsTest.Run r = train("az-hidden");
    assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
    assertTrue(
        r.err()
            .startsWith(
                "streamgrad train: TopicAuthorizationException ahead: this client may not write"
                    + " to topic 'az-hidden' at "
                    + kafka.bootstrapServers()
                    + " (where the job writes; not even to see it)"),
        r.err());
  }
}
