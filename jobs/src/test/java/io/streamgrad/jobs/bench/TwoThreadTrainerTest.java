package io.streamgrad.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.TopicContents;
import io.streamgrad.jobs.format.SampleFormatDecoder;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The floor {@code bench wire} measures trains as the job's trainer does: every sample, in the
 * topic's order, each model's snapshots what the same {@link ModelTrainer} fed the same samples
 * publishes.
 */
class TwoThreadTrainerTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  @Test
  void trainsEverySampleAndPublishesWhatTheJobsTrainerWould() throws Exception {
    String topic = "two-threads";
    int batch = 8;
    int every = 5;
    PipelineBench.Config config = new PipelineBench.Config(4, 3, 3_000);
    PipelineBench bench = new PipelineBench(kafka.bootstrapServers(), 1, batch);
    bench.preload(topic, config, 7);
    TrainerConfig trainer = bench.trainer(config, every).config();

    List<TwoThreadTrainer.Threads> threads = new ArrayList<>();
    PipelineBench.Run run =
        new WireBench(kafka.bootstrapServers()).consumeAndTrain(topic, config, 0, trainer, threads);

    Map<String, List<WeightSnapshot>> expected = reference(topic, config, trainer);
    Map<String, List<WeightSnapshot>> published = new HashMap<>();
    for (byte[] value :
        TopicContents.values(kafka.bootstrapServers(), topic + "-out-two-threads")) {
      WeightSnapshot s = WireFormat.snapshot(value);
      published.computeIfAbsent(s.getModelId(), id -> new ArrayList<>()).add(s);
    }
    assertEquals(config.samples(), run.samples());
    assertEquals(expected.keySet(), published.keySet(), "every model published");
    long snapshots = 0;
    for (Map.Entry<String, List<WeightSnapshot>> e : expected.entrySet()) {
      List<WeightSnapshot> got = published.get(e.getKey());
      assertEquals(e.getValue().size(), got.size(), e.getKey());
      for (int i = 0; i < got.size(); i++) {
        WeightSnapshot want = e.getValue().get(i);
        assertEquals(want.getVersion(), got.get(i).getVersion());
        assertEquals(want.getSamplesSeen(), got.get(i).getSamplesSeen());
        assertEquals(want.getWeights(), got.get(i).getWeights(), "bit for bit");
        assertEquals(want.getBias(), got.get(i).getBias());
      }
      snapshots += got.size();
    }
    assertTrue(snapshots > 0);
    assertEquals(snapshots, run.outputs(), "the run counts what it sent");
    assertEquals(1, threads.size());
    assertTrue(threads.get(0).reader() > 0 && threads.get(0).trainer() > 0, threads.toString());
  }

  /**
   * A training thread that fails ends the run with its cause. Click samples for a dense model fail
   * the first sample; 100,000 of them are several polls, so the reader may still be polls ahead
   * when the trainer fails (how far is up to the scheduler: the test cannot force the full queue
   * that the trainer's draining is there for).
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a bound on a hang, not a wait
  void aFailingTrainerEndsTheRunWithItsCause() throws Exception {
    String topic = "two-threads-failing";
    PipelineBench.Config config = new PipelineBench.Config(4, 1, 100_000);
    PipelineBench clicks = new PipelineBench(kafka.bootstrapServers(), 1, 8).sparse(10);
    clicks.preload(topic, config, 7);
    TrainerConfig dense =
        new PipelineBench(kafka.bootstrapServers(), 1, 8).trainer(config, 5).config();

    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                new WireBench(kafka.bootstrapServers())
                    .consumeAndTrain(topic, config, 10, dense, new ArrayList<>()));
    assertEquals("the training thread failed", e.getMessage());
    assertEquals("this model takes no sparse features", e.getCause().getMessage());
  }

  /** The snapshots of one trainer per model fed the topic's samples in order, as the job's is. */
  private static Map<String, List<WeightSnapshot>> reference(
      String topic, PipelineBench.Config config, TrainerConfig trainerConfig) {
    KafkaSettings settings =
        KafkaSettings.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .samplesTopic(topic)
            .snapshotsTopic(topic + "-unused")
            .deadLettersTopic(topic + "-unused")
            .build();
    SampleFormatDecoder decoder = TrainJob.sampleDecoder(settings, config.features(), 0);
    decoder.open(null);
    Map<String, ModelTrainer> trainers = new HashMap<>();
    Map<String, List<WeightSnapshot>> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicContents.read(kafka.bootstrapServers(), topic)) {
      Either<DenseSample, DeadLetter> d = decoder.decodeRecord(r);
      DenseSample s = d.left();
      ModelTrainer t =
          trainers.computeIfAbsent(s.modelId, id -> new ModelTrainer(trainerConfig, id));
      if (t.add(s.features, s.label, s.weight)
          && t.step() == ModelTrainer.StepResult.TRAINED
          && t.version() % trainerConfig.snapshotEvery == 0) {
        out.computeIfAbsent(s.modelId, id -> new ArrayList<>())
            .add(Snapshots.of(s.modelId, t, false, 0L));
      }
    }
    return out;
  }
}
