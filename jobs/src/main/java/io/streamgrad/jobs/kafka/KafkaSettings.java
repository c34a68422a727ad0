package io.streamgrad.jobs.kafka;

import io.streamgrad.jobs.format.SampleDecoder;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * What a job reads and writes and how: the Kafka connection, topics and delivery, input limits and
 * writer schemas. Immutable and validated: built once ({@link #builder()}), changed only into a new
 * copy ({@link #toBuilder()}), so one part of a job can never change what another reads.
 */
public final class KafkaSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A broker's default {@code message.max.bytes} (a topic's {@code max.message.bytes}). */
  public static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

  /** A producer's default {@code max.request.size}. */
  public static final int PRODUCER_DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

  /** Room for a dead letter's key (its reason) and Kafka's record and batch headers. */
  static final int RECORD_OVERHEAD_BYTES = 1024;

  /** How samples are written on the topic. */
  public enum SampleFormat {
    /** Avro's single-object encoding of {@code Sample} (the released schemas). */
    AVRO,
    /** One JSON object per record. */
    JSON;

    /** {@code avro} or {@code json}, as the command line spells them. */
    public static SampleFormat parse(String name) {
      for (SampleFormat f : values()) {
        if (f.name().equalsIgnoreCase(name)) {
          return f;
        }
      }
      throw new IllegalArgumentException("sample format must be avro or json, not '" + name + "'");
    }
  }

  private final String bootstrapServers;
  private final String samplesTopic;
  private final String snapshotsTopic;
  private final String deadLettersTopic;
  private final String requestsTopic;
  private final String labelsTopic;
  private final String predictionsTopic;
  private final String driftsTopic;
  private final String feedbackTopic;
  private final String heldBackTopic;
  private final SampleFormat sampleFormat;
  private final SampleFormat labelFormat;
  private final String groupId;
  private final StartingOffsets startingOffsets;
  private final boolean bounded;
  private final DeliveryGuarantee delivery;
  private final String transactionalIdPrefix;
  private final Properties clientProperties;
  private final int maxRecordBytes;
  private final List<String> writerSchemas;
  private final int deadLetterTopicMaxBytes;

  private KafkaSettings(Builder b) {
    this.bootstrapServers = b.bootstrapServers;
    this.samplesTopic = b.samplesTopic;
    this.snapshotsTopic = b.snapshotsTopic;
    this.deadLettersTopic = b.deadLettersTopic;
    this.requestsTopic = b.requestsTopic;
    this.labelsTopic = b.labelsTopic;
    this.predictionsTopic = b.predictionsTopic;
    this.driftsTopic = b.driftsTopic;
    this.feedbackTopic = b.feedbackTopic;
    this.heldBackTopic = b.heldBackTopic;
    this.sampleFormat = b.sampleFormat;
    this.labelFormat = b.labelFormat;
    this.groupId = b.groupId;
    this.startingOffsets = b.startingOffsets;
    this.bounded = b.bounded;
    this.delivery = b.delivery;
    this.transactionalIdPrefix = b.transactionalIdPrefix;
    this.clientProperties = new Properties();
    this.clientProperties.putAll(b.clientProperties);
    this.maxRecordBytes = b.maxRecordBytes;
    this.writerSchemas = List.copyOf(b.writerSchemas);
    this.deadLetterTopicMaxBytes = b.deadLetterTopicMaxBytes;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to derive others from. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.bootstrapServers = bootstrapServers;
    b.samplesTopic = samplesTopic;
    b.snapshotsTopic = snapshotsTopic;
    b.deadLettersTopic = deadLettersTopic;
    b.requestsTopic = requestsTopic;
    b.labelsTopic = labelsTopic;
    b.predictionsTopic = predictionsTopic;
    b.driftsTopic = driftsTopic;
    b.feedbackTopic = feedbackTopic;
    b.heldBackTopic = heldBackTopic;
    b.sampleFormat = sampleFormat;
    b.labelFormat = labelFormat;
    b.groupId = groupId;
    b.startingOffsets = startingOffsets;
    b.bounded = bounded;
    b.delivery = delivery;
    b.transactionalIdPrefix = transactionalIdPrefix;
    b.clientProperties.putAll(clientProperties);
    b.maxRecordBytes = maxRecordBytes;
    b.writerSchemas = writerSchemas;
    b.deadLetterTopicMaxBytes = deadLetterTopicMaxBytes;
    return b;
  }

  /** These settings with one more client property (one a part of a job sets for itself). */
  public KafkaSettings withClientProperty(String key, String value) {
    return toBuilder().clientProperty(key, value).build();
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String samplesTopic() {
    return samplesTopic;
  }

  public String snapshotsTopic() {
    return snapshotsTopic;
  }

  public String deadLettersTopic() {
    return deadLettersTopic;
  }

  /**
   * Prediction requests: answered in the training job by the live models when set ({@code train
   * --requests-topic}); what the predictor job reads ({@code predict}). Null when none.
   */
  public String requestsTopic() {
    return requestsTopic;
  }

  /** Where predictions go (answers to requests, prequential predictions). */
  /**
   * The outcomes of the requests, for the feedback join ({@code train --labels-topic}): the job
   * then learns from its answered requests and their labels. Null when none.
   */
  public String labelsTopic() {
    return labelsTopic;
  }

  public String predictionsTopic() {
    return predictionsTopic;
  }

  /** Where drift events go (when the trainer watches for drift). */
  public String driftsTopic() {
    return driftsTopic;
  }

  /** Where the feedback job's per-model reports go (accounting, served-prediction metrics). */
  public String feedbackTopic() {
    return feedbackTopic;
  }

  /** Where snapshots the quality gate held back go (when the trainer has a gate). */
  public String heldBackTopic() {
    return heldBackTopic;
  }

  /** How labels are written on the labels topic (Avro or JSON). */
  public SampleFormat labelFormat() {
    return labelFormat;
  }

  public SampleFormat sampleFormat() {
    return sampleFormat;
  }

  public String groupId() {
    return groupId;
  }

  /** Where sources start when the job has no checkpoint (a restored job resumes from it). */
  public StartingOffsets startingOffsets() {
    return startingOffsets;
  }

  /** Whether sources stop at the offsets that were the latest when the job started. */
  public boolean bounded() {
    return bounded;
  }

  /** At least once, or exactly once: Kafka transactions committed with Flink's checkpoints. */
  public DeliveryGuarantee delivery() {
    return delivery;
  }

  /** Prefix of the sinks' transactional ids: unique per job writing to a cluster. */
  public String transactionalIdPrefix() {
    return transactionalIdPrefix;
  }

  /** Kafka client properties every source and sink gets: a copy, changing it changes nothing. */
  public Properties clientProperties() {
    Properties copy = new Properties();
    copy.putAll(clientProperties);
    return copy;
  }

  /** Whether the user set client property {@code key}. */
  public boolean hasClientProperty(String key) {
    return clientProperties.containsKey(key);
  }

  /** Records larger than this are refused before decoding ({@code record too large: N bytes}). */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Writer schemas of {@code Sample} that producers announced, as JSON, besides the released. */
  public List<String> writerSchemas() {
    return writerSchemas;
  }

  /** The dead-letter topic's {@code max.message.bytes}, when known (the preflight reads it). */
  public int deadLetterTopicMaxBytes() {
    return deadLetterTopicMaxBytes;
  }

  /**
   * The largest dead letter the dead-letter producer and topic both accept, with room for the
   * record's key and headers.
   */
  public int deadLetterMaxBytes() {
    return Math.min(producerMaxRequestBytes(), deadLetterTopicMaxBytes) - RECORD_OVERHEAD_BYTES;
  }

  /** The largest record the sinks' producers send ({@code max.request.size}). */
  public int producerMaxRequestBytes() {
    Object configured = clientProperties.get("max.request.size");
    return configured == null
        ? PRODUCER_DEFAULT_MAX_REQUEST_SIZE
        : Integer.parseInt(configured.toString().trim());
  }

  /** Fluent settings, validated by {@link #build()}. */
  public static final class Builder {
    private String bootstrapServers;
    private String samplesTopic = "samples";
    private String snapshotsTopic = "snapshots";
    private String deadLettersTopic = "dead-letters";
    private String requestsTopic;
    private String labelsTopic;
    private String predictionsTopic = "predictions";
    private String driftsTopic = "drifts";
    private String feedbackTopic = "feedback";
    private String heldBackTopic = "snapshots-held-back";
    private SampleFormat sampleFormat = SampleFormat.AVRO;
    private SampleFormat labelFormat = SampleFormat.AVRO;
    private String groupId = "streamgrad-train";
    private StartingOffsets startingOffsets = StartingOffsets.COMMITTED;
    private boolean bounded;
    private DeliveryGuarantee delivery = DeliveryGuarantee.AT_LEAST_ONCE;
    private String transactionalIdPrefix = "streamgrad-train";
    private final Properties clientProperties = new Properties();
    private int maxRecordBytes = SampleDecoder.DEFAULT_MAX_RECORD_BYTES;
    private List<String> writerSchemas = List.of();
    private int deadLetterTopicMaxBytes = BROKER_DEFAULT_MAX_MESSAGE_BYTES;

    private Builder() {}

    /** The brokers to start from, {@code host:port[,host:port…]} (required). */
    public Builder bootstrapServers(String servers) {
      this.bootstrapServers = servers;
      return this;
    }

    public Builder samplesTopic(String topic) {
      this.samplesTopic = topic;
      return this;
    }

    public Builder snapshotsTopic(String topic) {
      this.snapshotsTopic = topic;
      return this;
    }

    public Builder deadLettersTopic(String topic) {
      this.deadLettersTopic = topic;
      return this;
    }

    /** The requests topic, or null for none. */
    public Builder requestsTopic(String topic) {
      this.requestsTopic = topic;
      return this;
    }

    public Builder labelsTopic(String topic) {
      this.labelsTopic = topic;
      return this;
    }

    public Builder predictionsTopic(String topic) {
      this.predictionsTopic = topic;
      return this;
    }

    public Builder feedbackTopic(String topic) {
      this.feedbackTopic = topic;
      return this;
    }

    public Builder driftsTopic(String topic) {
      this.driftsTopic = topic;
      return this;
    }

    public Builder heldBackTopic(String topic) {
      this.heldBackTopic = topic;
      return this;
    }

    public Builder labelFormat(SampleFormat format) {
      this.labelFormat = format;
      return this;
    }

    public Builder sampleFormat(SampleFormat format) {
      this.sampleFormat = Objects.requireNonNull(format, "sampleFormat");
      return this;
    }

    public Builder groupId(String groupId) {
      this.groupId = groupId;
      return this;
    }

    public Builder startingOffsets(StartingOffsets offsets) {
      this.startingOffsets = Objects.requireNonNull(offsets, "startingOffsets");
      return this;
    }

    public Builder bounded(boolean bounded) {
      this.bounded = bounded;
      return this;
    }

    public Builder delivery(DeliveryGuarantee delivery) {
      this.delivery = Objects.requireNonNull(delivery, "delivery");
      return this;
    }

    public Builder transactionalIdPrefix(String prefix) {
      this.transactionalIdPrefix = prefix;
      return this;
    }

    /** Adds every property of {@code properties} (Kafka client settings). */
    public Builder clientProperties(Properties properties) {
      this.clientProperties.putAll(properties);
      return this;
    }

    public Builder clientProperty(String key, String value) {
      this.clientProperties.put(key, value);
      return this;
    }

    public Builder maxRecordBytes(int bytes) {
      this.maxRecordBytes = bytes;
      return this;
    }

    public Builder writerSchemas(List<String> schemas) {
      this.writerSchemas = Objects.requireNonNull(schemas, "writerSchemas");
      return this;
    }

    public Builder deadLetterTopicMaxBytes(int bytes) {
      this.deadLetterTopicMaxBytes = bytes;
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming what is missing or out of range
     */
    public KafkaSettings build() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrap servers must be set (host:port)");
      }
      requireTopic("samples", samplesTopic);
      requireTopic("snapshots", snapshotsTopic);
      requireTopic("dead-letters", deadLettersTopic);
      requireTopic("predictions", predictionsTopic);
      requireTopic("drifts", driftsTopic);
      requireTopic("feedback", feedbackTopic);
      requireTopic("held-back", heldBackTopic);
      if (labelsTopic != null) {
        requireTopic("labels", labelsTopic);
        if (requestsTopic == null) {
          throw new IllegalArgumentException(
              "the labels of the feedback join label requests: it needs a requests topic too");
        }
      }
      if (requestsTopic != null) {
        requireTopic("requests", requestsTopic);
      }
      if (maxRecordBytes <= 0) {
        throw new IllegalArgumentException("max record bytes must be positive: " + maxRecordBytes);
      }
      if (deadLetterTopicMaxBytes <= RECORD_OVERHEAD_BYTES) {
        throw new IllegalArgumentException(
            "the dead-letter topic takes records of "
                + deadLetterTopicMaxBytes
                + " bytes: too few for any dead letter");
      }
      return new KafkaSettings(this);
    }

    private static void requireTopic(String role, String topic) {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("the " + role + " topic must have a name");
      }
    }
  }
}
