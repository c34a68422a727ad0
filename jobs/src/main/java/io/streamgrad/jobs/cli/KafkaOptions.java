package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.TrainJob;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Kafka options shared by every command. Client property values are never printed. */
public final class KafkaOptions {
  @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers, host:port[,host:port].")
  String bootstrapServers;

  @Option(names = "--samples-topic", defaultValue = "samples", description = "Topic of samples (default: ${DEFAULT-VALUE}).")
  String samplesTopic;

  @Option(names = "--snapshots-topic", defaultValue = "snapshots", description = "Topic of weight snapshots (default: ${DEFAULT-VALUE}).")
  String snapshotsTopic;

  @Option(names = "--dead-letters-topic", defaultValue = "dead-letters", description = "Topic of dead letters (default: ${DEFAULT-VALUE}).")
  String deadLettersTopic;

  @Option(names = "--delivery", defaultValue = "at-least-once",
      description = "Snapshot and dead-letter delivery: at-least-once, or exactly-once (Kafka transactions committed with each checkpoint; read with isolation.level=read_committed) (default: ${DEFAULT-VALUE}).")
  String delivery;

  @Option(names = "--transactional-id-prefix", defaultValue = "streamgrad-train",
      description = "Prefix of the transactional ids with exactly-once; unique per job on a cluster (default: ${DEFAULT-VALUE}).")
  String transactionalIdPrefix;

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description = "Any Kafka client property (e.g. SASL/SSL settings); repeatable. Values are never printed.")
  Map<String, String> properties = new LinkedHashMap<>();

  Properties clientProperties() {
    Properties p = new Properties();
    p.putAll(properties);
    if (bootstrapServers != null) {
      p.put("bootstrap.servers", bootstrapServers);
    }
    return p;
  }

  TrainJob.KafkaSettings settings() {
    TrainJob.KafkaSettings s = new TrainJob.KafkaSettings();
    s.bootstrapServers = bootstrapServers;
    s.samplesTopic = samplesTopic;
    s.snapshotsTopic = snapshotsTopic;
    s.deadLettersTopic = deadLettersTopic;
    switch (delivery) {
      case "at-least-once":
        s.delivery = org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE;
        break;
      case "exactly-once":
        s.delivery = org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE;
        break;
      default:
        throw new IllegalArgumentException("--delivery must be at-least-once or exactly-once, not '" + delivery + "'");
    }
    s.transactionalIdPrefix = transactionalIdPrefix;
    Properties p = new Properties();
    p.putAll(properties);
    s.clientProperties = p;
    return s;
  }

  /** For logs: keys only, values masked. */
  @Override
  public String toString() {
    Map<String, String> masked = new LinkedHashMap<>();
    properties.keySet().forEach(k -> masked.put(k, "****"));
    return "bootstrap=" + bootstrapServers + ", topics=" + samplesTopic + "/" + snapshotsTopic + "/" + deadLettersTopic
        + ", properties=" + masked;
  }
}
