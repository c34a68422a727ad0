package io.streamgrad.jobs.dashboard;

import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the snapshot and dead-letter topics (and predictions and feedback reports, when those
 * topics exist) from their start, read_committed, into a {@link Board}, on a thread of its own. A
 * topic that does not exist yet is waited for, said on the board and in the log, and read as soon
 * as it appears; a record that does not decode is counted and skipped. Nothing it reads can stop
 * it.
 */
public final class Feed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Feed.class);
  private static final long TOPIC_CHECK_MILLIS = 1000;

  private final Board board;
  private final Properties clientProperties;
  private final String bootstrapServers;
  private final String snapshots;
  private final String deadLetters;
  private final String predictions;
  private final String feedback;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile long undecodable;

  public Feed(
      Board board,
      String bootstrapServers,
      Properties clientProperties,
      String snapshots,
      String deadLetters,
      String predictions,
      String feedback) {
    this.board = board;
    this.bootstrapServers = bootstrapServers;
    this.clientProperties = clientProperties;
    this.snapshots = snapshots;
    this.deadLetters = deadLetters;
    this.predictions = predictions;
    this.feedback = feedback;
    this.thread = new Thread(this::run, "streamgrad-dashboard-feed");
    thread.setDaemon(true);
  }

  public Feed start() {
    thread.start();
    return this;
  }

  /** Records that were not what their topic holds. */
  public long undecodable() {
    return undecodable;
  }

  private void run() {
    Properties p = KafkaClients.settings(bootstrapServers);
    p.putAll(clientProperties);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(p);
        KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(p, true)) {
      consumer = c;
      Set<String> reading = new HashSet<>();
      Set<String> lastWaiting = Set.of();
      long nextCheck = 0;
      while (running) {
        if (System.currentTimeMillis() >= nextCheck) {
          nextCheck = System.currentTimeMillis() + TOPIC_CHECK_MILLIS;
          Set<String> existing = existingTopics(admin);
          if (existing != null) {
            Set<String> waiting = new TreeSet<>();
            List<TopicPartition> more = new ArrayList<>();
            for (String t : Arrays.asList(snapshots, deadLetters, predictions, feedback)) {
              if (t == null || reading.contains(t)) {
                continue;
              }
              if (!existing.contains(t)) {
                if (!t.equals(predictions) && !t.equals(feedback)) { // those two are optional
                  waiting.add(t);
                }
                continue;
              }
              c.partitionsFor(t).forEach(i -> more.add(new TopicPartition(t, i.partition())));
              reading.add(t);
            }
            if (!more.isEmpty()) {
              List<TopicPartition> all = new ArrayList<>(c.assignment());
              all.addAll(more);
              c.assign(all);
              c.seekToBeginning(more);
              LOG.info("dashboard: reading {}", more);
            }
            if (!waiting.equals(lastWaiting) && !waiting.isEmpty()) {
              LOG.warn(
                  "dashboard: waiting for topic(s) {} to exist on {}", waiting, bootstrapServers);
            }
            lastWaiting = waiting;
            board.waitingFor(waiting, bootstrapServers);
          }
        }
        if (c.assignment().isEmpty()) {
          sleep(200);
          continue;
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          take(r);
        }
      }
    } catch (WakeupException | InterruptException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("dashboard: the feed stopped", e);
    }
  }

  private Set<String> existingTopics(Admin admin) {
    try {
      return admin.listTopics(new ListTopicsOptions().timeoutMs(5000)).names().get();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        running = false;
      }
      board.waitingFor(Set.of("a reachable broker"), bootstrapServers);
      return null;
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    try {
      if (r.topic().equals(snapshots)) {
        board.snapshot(WireFormat.snapshot(r.value()));
      } else if (r.topic().equals(deadLetters)) {
        board.deadLetter(WireFormat.deadLetter(r.value()).getReason());
      } else if (r.topic().equals(feedback)) {
        board.feedback(WireFormat.feedbackReport(r.value()));
      } else {
        board.prediction(WireFormat.prediction(r.value()).getModelId());
      }
    } catch (RuntimeException e) {
      undecodable++;
    }
  }

  private void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    thread.join(10_000);
  }
}
