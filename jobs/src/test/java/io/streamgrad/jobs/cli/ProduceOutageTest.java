package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaClients;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code produce} and a broker that stops answering for 40 s (paused with SIGSTOP, as a network
 * partition looks to a client): produce waits, up to its delivery timeout (two minutes), and every
 * record arrives. (A broker that is gone: {@link UserErrorsTest}.)
 */
class ProduceOutageTest {
  private Process broker;
  private String bootstrap;

  @BeforeEach
  void startBroker() throws Exception {
    broker =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                EmbeddedKafka.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("bootstrap ")) {
      // the broker's own output
    }
    assertTrue(line != null, "the broker process said where it listens");
    bootstrap = line.substring("bootstrap ".length());
    EmbeddedKafka.createTopics(bootstrap, 1, "outage-samples");
  }

  @AfterEach
  void stopBroker() throws Exception {
    signal("CONT");
    broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  private void signal(String name) throws Exception {
    new ProcessBuilder("kill", "-" + name, String.valueOf(broker.pid())).start().waitFor();
  }

  private CompletableFuture<UserErrorsTest.Run> produce(int samples, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "produce",
                "--bootstrap-servers",
                bootstrap,
                "--samples-topic",
                "outage-samples",
                "--samples",
                String.valueOf(samples),
                "--rate",
                "1000"));
    args.addAll(List.of(extra));
    return CompletableFuture.supplyAsync(() -> UserErrorsTest.run(args.toArray(String[]::new)));
  }

  @Test
  void aBrokerPausedFor40SecondsLosesNothing() throws Exception {
    CompletableFuture<UserErrorsTest.Run> running = produce(8000);
    waitForRecords(1000);
    signal("STOP");
    Thread.sleep(40_000); // the outage itself, not a wait for a condition
    signal("CONT");
    UserErrorsTest.Run r = running.get(3, TimeUnit.MINUTES);
    assertEquals(0, r.exit(), r.err());
    assertEquals(8000, records(), "every sample, once the broker is back");
  }

  private void waitForRecords(long atLeast) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (records() < atLeast) {
      assertTrue(System.nanoTime() < end, "records did not arrive");
      Thread.sleep(100);
    }
  }

  private long records() {
    try (KafkaConsumer<byte[], byte[]> c =
        KafkaClients.consumer(KafkaClients.settings(bootstrap), false)) {
      TopicPartition tp = new TopicPartition("outage-samples", 0);
      return c.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
    }
  }
}
