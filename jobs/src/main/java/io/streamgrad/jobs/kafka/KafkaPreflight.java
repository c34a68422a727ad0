package io.streamgrad.jobs.kafka;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What every command checks before it does anything: that Kafka answers at the bootstrap servers,
 * and that the topics it needs exist. Kafka's clients retry an unreachable address for ever,
 * logging warnings; this names the cause within {@code timeout} instead: {@code cannot reach Kafka
 * at localhost:1 (connection refused)}.
 */
public final class KafkaPreflight implements AutoCloseable {

  /** Kafka cannot be used: the message names the address and the cause. */
  public static final class KafkaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KafkaUnavailableException(String message) {
      super(message);
    }
  }

  private final Admin admin;
  private final String bootstrapServers;
  private final Duration timeout;
  private final Collection<Node> nodes;
  private Set<String> topics;

  private KafkaPreflight(
      Admin admin, String bootstrapServers, Duration timeout, Collection<Node> nodes) {
    this.admin = admin;
    this.bootstrapServers = bootstrapServers;
    this.timeout = timeout;
    this.nodes = nodes;
  }

  /**
   * Connects to the cluster at {@code bootstrapServers} with {@code clientProperties} (security
   * settings), or fails within about {@code timeout} with the reason.
   *
   * @throws KafkaUnavailableException if no bootstrap server answers as a Kafka broker
   * @throws IllegalArgumentException if an address is not {@code host:port}
   */
  public static KafkaPreflight connect(
      String bootstrapServers, Properties clientProperties, Duration timeout) {
    List<String> failures = new ArrayList<>();
    boolean anyOpen = false;
    for (String address : bootstrapServers.split(",")) {
      String problem = probe(address.trim(), timeout);
      if (problem == null) {
        anyOpen = true;
        break;
      }
      failures.add(address.trim() + " (" + problem + ")");
    }
    if (!anyOpen) {
      throw new KafkaUnavailableException("cannot reach Kafka at " + String.join(", ", failures));
    }
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    String ms = String.valueOf(timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    Admin admin = Admin.create(p);
    try {
      Collection<Node> nodes =
          admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new KafkaPreflight(admin, bootstrapServers, timeout, nodes);
    } catch (TimeoutException e) {
      admin.close(Duration.ZERO);
      throw noAnswer(bootstrapServers, timeout);
    } catch (ExecutionException e) {
      admin.close(Duration.ZERO);
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw noAnswer(bootstrapServers, timeout); // the client's own timeout, a moment before ours
      }
      if (e.getCause() instanceof UnsupportedVersionException) {
        // A KRaft controller's listener speaks Kafka, but not the client APIs.
        throw new KafkaUnavailableException(
            "Kafka at "
                + bootstrapServers
                + " is not a broker's client listener (a KRaft controller's?): "
                + e.getCause().getMessage()
                + "; give the brokers' address");
      }
      throw new KafkaUnavailableException(
          "Kafka at " + bootstrapServers + " refused the client: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      admin.close(Duration.ZERO);
      Thread.currentThread().interrupt();
      throw new KafkaUnavailableException(
          "interrupted while connecting to Kafka at " + bootstrapServers);
    }
  }

  private static KafkaUnavailableException noAnswer(String bootstrapServers, Duration timeout) {
    return new KafkaUnavailableException(
        "Kafka at "
            + bootstrapServers
            + " accepted a connection but did not answer as a Kafka broker within "
            + seconds(timeout)
            + " (is it the broker's client listener? do the security settings given with --kafka-property match it?)");
  }

  /** Why {@code address} cannot be connected to, or null when it accepts a TCP connection. */
  static String probe(String address, Duration timeout) {
    InetSocketAddress parsed = probeSyntax(address);
    InetSocketAddress target =
        new InetSocketAddress(parsed.getHostString(), parsed.getPort()); // resolves
    if (target.isUnresolved()) {
      return "host not found";
    }
    try (Socket s = new Socket()) {
      s.connect(target, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      return null;
    } catch (ConnectException e) {
      return "connection refused";
    } catch (SocketTimeoutException e) {
      return "no answer within " + seconds(timeout);
    } catch (NoRouteToHostException e) {
      return "no route to host";
    } catch (UnknownHostException e) {
      return "host not found";
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /**
   * {@code address} as an unresolved socket address.
   *
   * @throws IllegalArgumentException if it is not {@code host:port}
   */
  public static InetSocketAddress probeSyntax(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("--bootstrap-servers: '" + address + "' is not host:port");
    }
    String host = address.substring(0, colon).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--bootstrap-servers: '" + address + "' is not host:port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "--bootstrap-servers: port " + port + " of '" + address + "' is not in 1..65535");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** The topics of {@code wanted} the cluster does not have. */
  public Set<String> missing(Collection<String> wanted) {
    Set<String> out = new TreeSet<>(wanted);
    out.removeAll(topics());
    return out;
  }

  /**
   * Fails naming every topic of {@code names} that does not exist ({@code what} says what the
   * command needs them for).
   */
  public void requireTopics(String what, Collection<String> names) {
    Set<String> missing = missing(names);
    if (!missing.isEmpty()) {
      throw new KafkaUnavailableException(
          (missing.size() == 1
                  ? "topic '" + missing.iterator().next() + "' does not exist"
                  : "topics " + missing + " do not exist")
              + " at "
              + bootstrapServers
              + " ("
              + what
              + "); create "
              + (missing.size() == 1 ? "it" : "them")
              + " first");
    }
  }

  /**
   * Like {@link #requireTopics}, unless the brokers create topics on first use ({@code
   * auto.create.topics.enable}, Kafka's default), which a producer's first record then does.
   */
  public void requireTopicsOrAutoCreation(String what, Collection<String> names) {
    if (!missing(names).isEmpty() && !autoCreatesTopics()) {
      requireTopics(what + "; the brokers do not create topics automatically", names);
    }
  }

  /**
   * Fails when {@code topic} (its {@code max.message.bytes}, or the brokers' default for a topic
   * not created yet) or the producer ({@code max.request.size}) cannot take a record of {@code
   * recordBytes}: what the job would otherwise find out on its first such record, after its
   * restarts. {@code records} says what they are, e.g. "the snapshots of this model".
   */
  public void requireRoom(String topic, int recordBytes, String records, int producerMaxBytes) {
    int topicMax = maxMessageBytes(topic);
    if (recordBytes > Math.min(topicMax, producerMaxBytes)) {
      throw new KafkaUnavailableException(
          "RecordTooLargeException ahead: "
              + records
              + " are up to "
              + recordBytes
              + " bytes, and "
              + (topicMax <= producerMaxBytes
                  ? "topic '" + topic + "' takes " + topicMax + " (its max.message.bytes)"
                  : "the producer sends at most " + producerMaxBytes + " (max.request.size)")
              + "; raise it");
    }
  }

  /**
   * Fails naming every existing topic of {@code names} this client may not write to (its ACLs),
   * with what the job would write there ({@code what}): a refused sink is named before the job
   * starts, not after its restarts. Topics that do not exist yet, and brokers without an
   * authorizer, pass.
   */
  public void requireWritable(String what, Collection<String> names) {
    List<String> wanted = names.stream().distinct().toList();
    Map<String, org.apache.kafka.common.KafkaFuture<TopicDescription>> futures =
        admin
            .describeTopics(wanted, new DescribeTopicsOptions().includeAuthorizedOperations(true))
            .topicNameValues();
    for (String topic : wanted) {
      TopicDescription d;
      try {
        d = futures.get(topic).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicAuthorizationException) {
          // A topic with ACLs none of which lets this client see it: listed as missing.
          throw notWritable(topic, what, "not even to see it");
        }
        continue; // does not exist yet, or the job will say what is wrong
      } catch (TimeoutException e) {
        throw noAnswer(bootstrapServers, timeout);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Set<AclOperation> allowed = d.authorizedOperations();
      if (allowed != null
          && !allowed.contains(AclOperation.WRITE)
          && !allowed.contains(AclOperation.ALL)) {
        throw notWritable(
            topic,
            what,
            "its ACLs allow "
                + (allowed.isEmpty()
                    ? "nothing"
                    : allowed.stream().map(Enum::name).sorted().toList()));
      }
    }
  }

  private KafkaUnavailableException notWritable(String topic, String what, String detail) {
    return new KafkaUnavailableException(
        "TopicAuthorizationException ahead: this client may not write to topic '"
            + topic
            + "' at "
            + bootstrapServers
            + " ("
            + what
            + "; "
            + detail
            + ")");
  }

  /**
   * Whether the brokers create a topic on first use; true (Kafka's default) when their
   * configuration cannot be read.
   */
  public boolean autoCreatesTopics() {
    String v = brokerConfig("auto.create.topics.enable");
    return v == null || Boolean.parseBoolean(v);
  }

  /**
   * The topic's {@code max.message.bytes}, or the brokers' {@code message.max.bytes}, or Kafka's
   * default.
   */
  public int maxMessageBytes(String topic) {
    String v =
        missing(List.of(topic)).isEmpty()
            ? config(new ConfigResource(ConfigResource.Type.TOPIC, topic), "max.message.bytes")
            : null;
    if (v == null) {
      v = brokerConfig("message.max.bytes");
    }
    return v == null ? KafkaSettings.BROKER_DEFAULT_MAX_MESSAGE_BYTES : Integer.parseInt(v);
  }

  private Set<String> topics() {
    if (topics == null) {
      try {
        topics =
            admin
                .listTopics(new ListTopicsOptions().listInternal(false))
                .names()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        throw new KafkaUnavailableException(
            "cannot list the topics of Kafka at " + bootstrapServers + ": " + cause.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaUnavailableException(
            "interrupted while listing topics at " + bootstrapServers);
      }
    }
    return topics;
  }

  private String brokerConfig(String name) {
    if (nodes.isEmpty()) {
      return null;
    }
    return config(
        new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString()), name);
  }

  /** A configuration value, or null when it cannot be read (e.g. no DescribeConfigs permission). */
  private String config(ConfigResource resource, String name) {
    try {
      Map<ConfigResource, Config> all =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      ConfigEntry e = all.get(resource).get(name);
      return e == null ? null : e.value();
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  @Override
  public void close() {
    admin.close(timeout);
  }
}
