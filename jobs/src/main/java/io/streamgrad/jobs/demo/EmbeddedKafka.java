package io.streamgrad.jobs.demo;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Kafka 4.2 broker in this JVM: one combined KRaft broker+controller on ephemeral loopback
 * ports, with the single-node settings offsets and transactions need. For `local` runs and tests.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  public EmbeddedKafka() throws Exception {
    this(Map.of());
  }

  /** A broker with {@code brokerConfig} besides the single-node settings (e.g. an authorizer). */
  public EmbeddedKafka(Map<String, String> brokerConfig) throws Exception {
    var builder =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0");
    brokerConfig.forEach(builder::setConfigProp);
    cluster = builder.build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** The KRaft controller's address: not a broker's (what a user may give by mistake). */
  public String controllerAddress() {
    return cluster.bootstrapControllers();
  }

  public static void createTopics(String bootstrapServers, int partitions, String... names)
      throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(p)) {
      List<NewTopic> topics =
          Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList();
      var existing = admin.listTopics().names().get();
      topics = topics.stream().filter(t -> !existing.contains(t.name())).toList();
      admin.createTopics(topics).all().get();
      awaitLeaders(admin, Arrays.asList(names));
    }
  }

  /**
   * Waits until every partition has a leader: producing to a topic created a moment ago gets
   * NOT_LEADER_OR_FOLLOWER, and the idempotent producer's retry after it has been seen to reset its
   * sequence numbers and stall on OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout.
   */
  static void awaitLeaders(Admin admin, List<String> names) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      boolean ready;
      try {
        ready =
            admin.describeTopics(names).allTopicNames().get().values().stream()
                .flatMap(d -> d.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        ready = false; // the broker's metadata does not know the new topic yet
      }
      if (ready && leadersServe(admin, names)) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(
            "topics " + names + " have partitions without a leader after 30 s");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Whether every partition's leader answers for it: the controller names a leader before the
   * broker has taken the partition over, and a producer that writes in between gets
   * NOT_LEADER_OR_FOLLOWER (and then the stall above).
   */
  private static boolean leadersServe(Admin admin, List<String> names) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    admin
        .describeTopics(names)
        .allTopicNames()
        .get()
        .forEach(
            (name, d) ->
                d.partitions()
                    .forEach(
                        p ->
                            latest.put(
                                new TopicPartition(name, p.partition()), OffsetSpec.latest())));
    try {
      admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(2_000)).all().get();
      return true;
    } catch (ExecutionException e) {
      return false; // not the leader yet (or a timeout): ask again
    }
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }

  /**
   * A broker in a process of its own, until its standard input closes: prints {@code bootstrap
   * HOST:PORT} once it is ready. Tests pause it (SIGSTOP) or kill it to play a broker outage.
   */
  public static void main(String[] args) throws Exception {
    try (EmbeddedKafka kafka = new EmbeddedKafka()) {
      System.out.println("bootstrap " + kafka.bootstrapServers());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent closes our stdin (or dies)
      }
    }
  }
}
