package io.streamgrad.online.serving;

import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows a snapshot topic and keeps the newest version of each model, ready to predict: what a
 * plain Java program (or the SQL model provider) serves from.
 *
 * <pre>{@code
 * try (SnapshotFollower models = SnapshotFollower.builder()
 *         .bootstrapServers("localhost:9092").topic("snapshots").build()) {
 *   ServedModel m = models.await("model-0", 1, Duration.ofSeconds(30));
 *   float y = m.predict(features);
 * }
 * }</pre>
 *
 * <p>It reads only committed records (what an exactly-once job has committed) from the start of
 * every partition, on a thread of its own; an older or repeated version never replaces a newer one.
 * A snapshot that cannot be turned into a model (no spec, a factory class not on the class path) is
 * counted and its last error kept, never served. A sparse model is rebuilt from its updates; each
 * version it completes is served as a copy of the model (O(model size) per version), so a caller's
 * {@link ServedModel} never changes under it (see {@link NewestVersions}).
 */
public final class SnapshotFollower implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final NewestVersions versions;
  private final Object news = new Object();
  private final AtomicLong read = new AtomicLong();
  private final Thread thread;
  private final Map<TopicPartition, Long> endsAtStart; // committed ends when it started
  private volatile boolean caughtUp;
  private volatile Throwable failure;
  private volatile boolean closed;

  private SnapshotFollower(Builder b, List<TopicPartition> partitions) {
    this.topic = b.topic;
    this.versions = new NewestVersions(b.modelIds, Long.MAX_VALUE);
    this.consumer = b.consumer;
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.endsAtStart = consumer.endOffsets(partitions); // read_committed: the last stable offsets
    this.thread = new Thread(this::run, "streamgrad-snapshot-follower-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The newest version of {@code modelId} read so far, or null. */
  public ServedModel latest(String modelId) {
    return versions.latest(modelId);
  }

  /** The models with a version read so far. */
  public Set<String> modelIds() {
    return versions.modelIds();
  }

  /**
   * The newest version of {@code modelId} once it is at least {@code minVersion}.
   *
   * @throws TimeoutException naming the model, the version wanted and the newest one read
   * @throws IllegalStateException if the follower failed (its cause attached)
   */
  public ServedModel await(String modelId, long minVersion, Duration timeout)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      checkRunning();
      ServedModel m = versions.latest(modelId);
      if (m != null && m.version() >= minVersion) {
        return m;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new TimeoutException(
            "no snapshot of model "
                + modelId
                + " with version >= "
                + minVersion
                + " on topic '"
                + topic
                + "' within "
                + timeout.toMillis()
                + " ms (newest read: "
                + (m == null ? "none" : "version " + m.version())
                + (versions.lastRefusal() == null
                    ? ""
                    : "; last snapshot refused: " + versions.lastRefusal())
                + ")");
      }
      synchronized (news) {
        news.wait(50);
      }
    }
  }

  /** Snapshot records read so far, of every model. */
  public long snapshotsRead() {
    return read.get();
  }

  /**
   * Whether it has read everything the topic held when it started (what was committed then).
   *
   * @throws IllegalStateException if the follower failed (its cause attached)
   */
  public boolean caughtUp() {
    checkRunning();
    return caughtUp;
  }

  /** Snapshots that could not be served (no spec, unknown factory, parameters that do not fit). */
  public long snapshotsRefused() {
    return versions.refused();
  }

  private void checkRunning() {
    if (failure != null) {
      throw new IllegalStateException(
          "following snapshot topic '" + topic + "' failed: " + failure, failure);
    }
    if (closed) {
      throw new IllegalStateException("the follower of '" + topic + "' is closed");
    }
  }

  private void run() {
    try {
      while (!closed) {
        boolean changed = false;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          read.incrementAndGet();
          changed |= offer(WireFormat.snapshot(r.value()));
        }
        if (!caughtUp) {
          caughtUp =
              endsAtStart.entrySet().stream()
                  .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
        }
        if (changed) {
          synchronized (news) {
            news.notifyAll();
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable t) {
      failure = t;
    } finally {
      consumer.close(Duration.ofSeconds(1));
    }
  }

  /** Keeps {@code s} when it is newer than what is held for its model; true if it was. */
  boolean offer(WeightSnapshot s) {
    return versions.offer(s);
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    consumer.wakeup();
    thread.join(5_000);
  }

  /** Validated configuration; {@link #build()} checks that Kafka answers and the topic exists. */
  public static final class Builder {
    private final Properties properties = new Properties();
    private String topic = "snapshots";
    private Set<String> modelIds = Set.of();
    private Duration timeout = Duration.ofSeconds(10);
    private KafkaConsumer<byte[], byte[]> consumer;

    private Builder() {}

    public Builder bootstrapServers(String servers) {
      properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
      return this;
    }

    /** Any Kafka consumer property (security settings, …). */
    public Builder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public Builder properties(Properties p) {
      properties.putAll(p);
      return this;
    }

    /** The snapshot topic (default {@code snapshots}). */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Follow only these models (default: every model on the topic). */
    public Builder modelIds(Set<String> ids) {
      this.modelIds = Set.copyOf(ids);
      return this;
    }

    /** How long {@link #build()} waits for Kafka to describe the topic (default 10 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * Starts following.
     *
     * @throws IllegalArgumentException for a missing bootstrap address or topic
     * @throws IllegalStateException naming the address and topic when Kafka does not answer within
     *     the timeout or the topic does not exist
     */
    public SnapshotFollower build() {
      Object servers = properties.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
      if (servers == null || servers.toString().isBlank()) {
        throw new IllegalArgumentException("a snapshot follower needs bootstrap servers");
      }
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("a snapshot follower needs a topic");
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
      }
      Properties p = new Properties();
      p.putAll(properties);
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
      p.putIfAbsent(
          ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
      consumer = new KafkaConsumer<>(p);
      List<TopicPartition> partitions = new ArrayList<>();
      try {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
          throw new IllegalStateException(
              "snapshot topic '" + topic + "' does not exist at " + servers);
        }
        for (PartitionInfo info : infos) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
        return new SnapshotFollower(this, partitions);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        consumer.close(Duration.ZERO);
        throw new IllegalStateException(
            "Kafka at "
                + servers
                + " did not describe topic '"
                + topic
                + "' within "
                + timeout.toMillis()
                + " ms (is the address right and the broker up?)",
            e);
      } catch (RuntimeException e) {
        consumer.close(Duration.ZERO);
        throw e;
      }
    }
  }
}
