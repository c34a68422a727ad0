package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.online.serving.SnapshotFollower;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Serving from a plain Java program: the newest version of each model, followed on Kafka. */
class SnapshotFollowerTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static WeightSnapshot[] versions(String id, int n) {
    ModelTrainer t =
        new ModelTrainer(OnlineTrainer.builder().features(3).batchSize(2).build().config(), id);
    WeightSnapshot[] out = new WeightSnapshot[n];
    for (int v = 0; v < n; v++) {
      t.add(new float[] {1, 2, 3}, 1f, 1f);
      t.add(new float[] {-1, 0, 2}, 0f, 1f);
      t.step();
      out[v] = Snapshots.of(id, t, false, 1000 + v);
    }
    return out;
  }

  private static void send(KafkaProducer<byte[], byte[]> p, WeightSnapshot s) {
    p.send(
        new ProducerRecord<>(
            "follow", s.getModelId().getBytes(StandardCharsets.UTF_8), WireFormat.encode(s)));
    p.flush();
  }

  @Test
  void keepsTheNewestVersionOfEachModel() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 2, "follow");
    WeightSnapshot[] a = versions("a", 3);
    float[] x = {0.5f, -1f, 2f};
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers());
        SnapshotFollower models =
            SnapshotFollower.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topic("follow")
                .build()) {
      assertNull(models.latest("a"));
      TimeoutException none =
          assertThrows(TimeoutException.class, () -> models.await("a", 1, Duration.ofMillis(300)));
      assertTrue(none.getMessage().contains("newest read: none"), none.getMessage());
      send(p, a[1]);
      ServedModel m = models.await("a", 2, Duration.ofSeconds(30));
      assertEquals(2, m.version());
      send(p, a[0]); // older, late: ignored
      send(p, a[2]);
      m = models.await("a", 3, Duration.ofSeconds(30));
      assertEquals(3, m.version());
      assertEquals(SnapshotModels.predictor(a[2]).predict(x), m.predict(x));
      assertEquals(1002, m.timestampMillis());
    }
  }

  @Test
  void aMissingTopicOrBrokerIsNamedWithinSeconds() {
    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () ->
                SnapshotFollower.builder()
                    .bootstrapServers(kafka.bootstrapServers())
                    .topic("no-such-snapshots")
                    .build());
    assertTrue(
        missing.getMessage().contains("'no-such-snapshots' does not exist"), missing.getMessage());
    long start = System.nanoTime();
    IllegalStateException down =
        assertThrows(
            IllegalStateException.class,
            () ->
                SnapshotFollower.builder()
                    .bootstrapServers("127.0.0.1:1")
                    .topic("snapshots")
                    .timeout(Duration.ofSeconds(2))
                    .build());
    assertTrue(down.getMessage().contains("127.0.0.1:1"), down.getMessage());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "within seconds");
  }
}
