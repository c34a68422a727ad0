package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.jobs.kafka.KafkaSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import picocli.CommandLine.Option;

/** Kafka options shared by every command. Client property values are never printed. */
public final class KafkaOptions {
  @Option(
      names = "--bootstrap-servers",
      description = "Kafka bootstrap servers, host:port[,host:port].")
  String bootstrapServers;

  @Option(
      names = "--samples-topic",
      defaultValue = "samples",
      description = "Topic of samples (default: ${DEFAULT-VALUE}).")
  String samplesTopic;

  @Option(
      names = "--snapshots-topic",
      defaultValue = "snapshots",
      description = "Topic of weight snapshots (default: ${DEFAULT-VALUE}).")
  String snapshotsTopic;

  @Option(
      names = "--dead-letters-topic",
      defaultValue = "dead-letters",
      description = "Topic of dead letters (default: ${DEFAULT-VALUE}).")
  String deadLettersTopic;

  @Option(
      names = "--drifts-topic",
      defaultValue = "drifts",
      description = "Topic of drift events, with --drift (default: ${DEFAULT-VALUE}).")
  String driftsTopic;

  @Option(
      names = "--feedback-topic",
      defaultValue = "feedback",
      description =
          "Topic of the feedback join's per-model reports (accounting and served-prediction metrics), with --labels-topic (default: ${DEFAULT-VALUE}).")
  String feedbackTopic;

  @Option(
      names = "--held-back-topic",
      defaultValue = "snapshots-held-back",
      description =
          "Topic of the snapshots the quality gate held back, with --publish-if (default: ${DEFAULT-VALUE}).")
  String heldBackTopic;

  @Option(
      names = "--delivery",
      defaultValue = "at-least-once",
      description =
          "Snapshot and dead-letter delivery: at-least-once, or exactly-once (Kafka transactions committed with each checkpoint; read with isolation.level=read_committed) (default: ${DEFAULT-VALUE}).")
  String delivery;

  @Option(
      names = "--transactional-id-prefix",
      defaultValue = "streamgrad-train",
      description =
          "Prefix of the transactional ids with exactly-once; unique per job on a cluster (default: ${DEFAULT-VALUE}).")
  String transactionalIdPrefix;

  @Option(
      names = "--kafka-timeout",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How long to wait for Kafka to answer before failing with the cause, e.g. 500ms, 10s (default: ${DEFAULT-VALUE}).")
  Duration kafkaTimeout = Duration.ofSeconds(10);

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description =
          "Any Kafka client property (e.g. SASL/SSL settings); repeatable. Values are never printed.")
  Map<String, String> properties = new LinkedHashMap<>();

  Properties clientProperties() {
    Properties p = new Properties();
    p.putAll(properties);
    if (bootstrapServers != null) {
      p.put("bootstrap.servers", bootstrapServers);
    }
    return p;
  }

  /**
   * Checks the values (no connection yet); {@code bootstrapRequired} for commands that have no
   * embedded broker.
   */
  void validate(boolean bootstrapRequired) {
    if (bootstrapRequired) {
      Check.required("--bootstrap-servers", bootstrapServers);
    } else if (bootstrapServers != null) {
      Check.notBlank("--bootstrap-servers", bootstrapServers);
    }
    Check.notBlank("--samples-topic", samplesTopic);
    Check.notBlank("--snapshots-topic", snapshotsTopic);
    Check.notBlank("--dead-letters-topic", deadLettersTopic);
    Check.notBlank("--drifts-topic", driftsTopic);
    Check.notBlank("--feedback-topic", feedbackTopic);
    Check.notBlank("--held-back-topic", heldBackTopic);
    Check.oneOf("--delivery", delivery, "at-least-once", "exactly-once");
    Check.notBlank("--transactional-id-prefix", transactionalIdPrefix);
    if (kafkaTimeout.isZero() || kafkaTimeout.isNegative()) {
      throw new BadOption(
          "--kafka-timeout must be positive, got " + kafkaTimeout.toMillis() + "ms");
    }
    for (String address : bootstrapServers == null ? new String[0] : bootstrapServers.split(",")) {
      try {
        KafkaPreflight.probeSyntax(address.trim());
      } catch (IllegalArgumentException e) {
        throw new BadOption(e.getMessage());
      }
    }
  }

  /**
   * Connects to Kafka or fails within {@code --kafka-timeout}, naming the address and the cause.
   */
  KafkaPreflight preflight() {
    return KafkaPreflight.connect(bootstrapServers, clientProperties(), kafkaTimeout);
  }

  /** Whether records are written exactly once (Kafka transactions with each checkpoint). */
  boolean exactlyOnce() {
    return "exactly-once".equals(delivery);
  }

  /** The job's Kafka settings from these options, for a command to add its own to. */
  KafkaSettings.Builder settings() {
    Properties p = new Properties();
    p.putAll(properties);
    return KafkaSettings.builder()
        .bootstrapServers(bootstrapServers)
        .samplesTopic(samplesTopic)
        .snapshotsTopic(snapshotsTopic)
        .deadLettersTopic(deadLettersTopic)
        .driftsTopic(driftsTopic)
        .feedbackTopic(feedbackTopic)
        .heldBackTopic(heldBackTopic)
        .delivery(exactlyOnce() ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
        .transactionalIdPrefix(transactionalIdPrefix)
        .clientProperties(p);
  }

  /** For logs: keys only, values masked. */
  @Override
  public String toString() {
    Map<String, String> masked = new LinkedHashMap<>();
    properties.keySet().forEach(k -> masked.put(k, "****"));
    return "bootstrap="
        + bootstrapServers
        + ", topics="
        + samplesTopic
        + "/"
        + snapshotsTopic
        + "/"
        + deadLettersTopic
        + ", properties="
        + masked;
  }
}
