package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.FailureInjection;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.graph.PredictJob;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving through a real broker and a MiniCluster: train, then the predictor job answers every
 * request with the newest snapshot it has (bit for bit the snapshot's forward pass) and
 * dead-letters every request it cannot answer; exactly once across a failure; and requests answered
 * inside the training job.
 */
class PredictJobEndToEndTest {
  static final int FEATURES = 4;

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  @TempDir Path checkpoints;

  private KafkaSettings settings(String prefix) {
    KafkaSettings s =
        KafkaSettings.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .samplesTopic(prefix + "-samples")
            .snapshotsTopic(prefix + "-snapshots")
            .deadLettersTopic(prefix + "-dead-letters")
            .requestsTopic(prefix + "-requests")
            .predictionsTopic(prefix + "-predictions")
            .groupId(prefix + "-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.parse("earliest"))
            .bounded(true)
            .build();
    return s;
  }

  private static StreamExecutionEnvironment env(RuntimeSettings rt) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(2, rt.miniClusterConfig(2));
    rt.applyTo(env);
    return env;
  }

  private static RuntimeSettings runtime(long checkpointMs, Path dir) {
    RuntimeSettings rt =
        RuntimeSettings.builder()
            .parallelism(2)
            .checkpointIntervalMs(checkpointMs)
            .checkpointDir(dir == null ? null : dir.toString())
            .maxRestarts(3)
            .restartDelay(Duration.ofMillis(100))
            .build();
    return rt;
  }

  private void produceSamples(KafkaSettings s, SyntheticData data, int n) {
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < n; i++) {
        p.send(KafkaClients.record(s.samplesTopic(), data.next()));
      }
      p.flush();
    }
  }

  private static PredictionRequest request(String model, String id, float[] x) {
    return PredictionRequest.newBuilder()
        .setModelId(model)
        .setRequestId(id)
        .setFeatures(FloatLists.boxed(x))
        .build();
  }

  private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] v) {
    p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), v));
  }

  /** Good requests for every model of {@code data}, by request id. */
  private Map<String, PredictionRequest> produceRequests(
      KafkaSettings s, SyntheticData data, int perModel) {
    Map<String, PredictionRequest> sent = new TreeMap<>();
    SplittableRandom rng = new SplittableRandom(8);
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < perModel; i++) {
        for (String model : data.trueWeights().keySet()) {
          float[] x = new float[FEATURES];
          for (int j = 0; j < FEATURES; j++) {
            x[j] = (float) rng.nextGaussian();
          }
          PredictionRequest r = request(model, model + "/" + i, x);
          sent.put(r.getRequestId(), r);
          send(p, s.requestsTopic(), model, WireFormat.encode(r));
        }
      }
      p.flush();
    }
    return sent;
  }

  /** The newest snapshot of each version of each model on the topic. */
  private Map<String, Map<Long, WeightSnapshot>> snapshots(KafkaSettings s) {
    Map<String, Map<Long, WeightSnapshot>> out = new HashMap<>();
    for (byte[] v : TopicContents.values(kafka.bootstrapServers(), s.snapshotsTopic())) {
      WeightSnapshot w = WireFormat.snapshot(v);
      out.computeIfAbsent(w.getModelId(), k -> new HashMap<>()).put(w.getVersion(), w);
    }
    return out;
  }

  private void train(KafkaSettings s, OnlineTrainer trainer) throws Exception {
    StreamExecutionEnvironment env = env(runtime(0, null));
    TrainJob.build(env, s, trainer);
    env.execute("train");
  }

  /** Every prediction is the forward pass of the snapshot whose version it names, bit for bit. */
  private static void assertAnsweredByTheirVersion(
      List<Prediction> predictions,
      Map<String, PredictionRequest> sent,
      Map<String, Map<Long, WeightSnapshot>> versions) {
    Map<String, Long> lastVersion = new HashMap<>();
    for (Prediction p : predictions) {
      PredictionRequest r = sent.get(p.getRequestId());
      WeightSnapshot s = versions.get(p.getModelId()).get(p.getModelVersion());
      float expected = SnapshotModels.predictor(s).predict(FloatLists.unboxed(r.getFeatures()));
      assertEquals(
          Float.floatToIntBits(expected),
          Float.floatToIntBits(p.getOutput()),
          p.getRequestId() + " by version " + p.getModelVersion());
      Long before = lastVersion.put(p.getModelId(), p.getModelVersion());
      assertTrue(before == null || before <= p.getModelVersion(), "versions never go back");
    }
  }

  @Test
  void thePredictorJobAnswersEveryRequestOrSaysWhyNot() throws Exception {
    KafkaSettings s = settings("serve");
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(),
        2,
        s.samplesTopic(),
        s.snapshotsTopic(),
        s.deadLettersTopic(),
        s.requestsTopic(),
        s.predictionsTopic());
    SyntheticData data = new SyntheticData(FEATURES, 3, 0.1f, 5);
    produceSamples(s, data, 3 * 640);
    train(
        s,
        OnlineTrainer.builder()
            .features(FEATURES)
            .optimizer(Optimizers.sgd(0.05))
            .batchSize(16)
            .snapshotEvery(4)
            .build());
    Map<String, PredictionRequest> sent = produceRequests(s, data, 200);
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      send(p, s.requestsTopic(), "model-0", new byte[] {1, 2, 3});
      send(
          p,
          s.requestsTopic(),
          "model-0",
          WireFormat.encode(request("model-0", "short", new float[2])));
      send(
          p,
          s.requestsTopic(),
          "model-1",
          WireFormat.encode(request("model-1", "nan", new float[] {0, Float.NaN, 0, 0})));
      send(p, s.requestsTopic(), "ghost", WireFormat.encode(request("ghost", "g", new float[4])));
      send(
          p, s.requestsTopic(), "model-2", WireFormat.encode(request("model-2", "", new float[4])));
      p.flush();
    }
    StreamExecutionEnvironment env = env(runtime(0, null));
    PredictJob.build(env, s, OnlinePredictor.builder().noModelWait(Duration.ofSeconds(1)).build());
    env.execute("predict");

    List<Prediction> predictions = new ArrayList<>();
    for (byte[] v : TopicContents.values(kafka.bootstrapServers(), s.predictionsTopic())) {
      predictions.add(WireFormat.prediction(v));
    }
    assertEquals(sent.size(), predictions.size(), "every good request answered once");
    assertEquals(
        sent.keySet(),
        new java.util.TreeSet<>(predictions.stream().map(Prediction::getRequestId).toList()));
    Map<String, Map<Long, WeightSnapshot>> versions = snapshots(s);
    assertAnsweredByTheirVersion(predictions, sent, versions);
    Map<String, Integer> reasons = new TreeMap<>();
    for (byte[] v : TopicContents.values(kafka.bootstrapServers(), s.deadLettersTopic())) {
      DeadLetter d = WireFormat.deadLetter(v);
      reasons.merge(d.getReason(), 1, Integer::sum);
    }
    assertEquals(
        Map.of(
            "not Avro single-object encoding", 1,
            "wrong feature count: expected 4, got 2", 1,
            "non-finite feature", 1,
            "no model", 1,
            "empty request id", 1),
        reasons);
    // The newest version answers once the predictor has it: the last request of each model.
    for (String model : data.trueWeights().keySet()) {
      long newest =
          versions.get(model).keySet().stream().mapToLong(Long::longValue).max().orElse(0);
      long lastUsed =
          predictions.stream()
              .filter(p -> p.getModelId().equals(model))
              .mapToLong(Prediction::getModelVersion)
              .max()
              .orElse(-1);
      assertTrue(lastUsed <= newest);
      assertTrue(lastUsed > 0);
    }
  }

  @Test
  void exactlyOnceAcrossAFailure() throws Exception {
    KafkaSettings s = settings("serve-eo");
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(),
        2,
        s.samplesTopic(),
        s.snapshotsTopic(),
        s.deadLettersTopic(),
        s.requestsTopic(),
        s.predictionsTopic());
    SyntheticData data = new SyntheticData(FEATURES, 2, 0.1f, 6);
    produceSamples(s, data, 2 * 320);
    train(s, OnlineTrainer.builder().features(FEATURES).batchSize(16).build());
    Map<String, PredictionRequest> sent = produceRequests(s, data, 1500);
    s = s.toBuilder().delivery(DeliveryGuarantee.EXACTLY_ONCE).build();
    s = s.toBuilder().transactionalIdPrefix("serve-eo-" + UUID.randomUUID()).build();
    String runId = "serve-eo-" + UUID.randomUUID();
    StreamExecutionEnvironment env = env(runtime(100, checkpoints));
    PredictJob.build(
        env,
        s,
        OnlinePredictor.builder().maxBatchSize(32).build(),
        FailureInjection.tap(runId, new long[] {1200}));
    env.execute("predict exactly once");
    assertEquals(1, FailureInjection.failures(runId), "the job failed once and recovered");
    FailureInjection.forget(runId);

    Map<String, Integer> answers = new HashMap<>();
    List<Prediction> predictions = new ArrayList<>();
    for (byte[] v : TopicContents.values(kafka.bootstrapServers(), s.predictionsTopic())) {
      Prediction p = WireFormat.prediction(v);
      predictions.add(p);
      answers.merge(p.getRequestId(), 1, Integer::sum);
    }
    assertEquals(sent.keySet(), answers.keySet(), "every request answered");
    assertTrue(answers.values().stream().allMatch(n -> n == 1), "and only once: " + answers.size());
    assertAnsweredByTheirVersion(predictions, sent, snapshots(s));
  }

  @Test
  void theTrainingJobAnswersRequestsWithItsLiveModels() throws Exception {
    KafkaSettings s = settings("in-job");
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers(),
        2,
        s.samplesTopic(),
        s.snapshotsTopic(),
        s.deadLettersTopic(),
        s.requestsTopic(),
        s.predictionsTopic());
    SyntheticData data = new SyntheticData(FEATURES, 2, 0.1f, 7);
    produceSamples(s, data, 2 * 320);
    Map<String, PredictionRequest> sent = produceRequests(s, data, 50);
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(FEATURES)
            .batchSize(16)
            .prequentialPredictions(true)
            .build();
    train(s, trainer);
    List<Prediction> answers = new ArrayList<>();
    Map<String, Integer> prequential = new HashMap<>();
    for (byte[] v : TopicContents.values(kafka.bootstrapServers(), s.predictionsTopic())) {
      Prediction p = WireFormat.prediction(v);
      if (p.getLabel() != null) {
        prequential.merge(p.getModelId(), 1, Integer::sum);
      } else {
        answers.add(p);
      }
    }
    assertEquals(Map.of("model-0", 320, "model-1", 320), prequential, "one per sample");
    Map<String, Integer> reasons = new TreeMap<>();
    for (byte[] v : TopicContents.values(kafka.bootstrapServers(), s.deadLettersTopic())) {
      reasons.merge(WireFormat.deadLetter(v).getReason(), 1, Integer::sum);
    }
    // The two sources race: a request may arrive before its model's first update.
    int noModel = reasons.getOrDefault("no model", 0);
    reasons.remove("no model");
    assertEquals(Map.of(), reasons, "no refusal but 'no model'");
    assertEquals(sent.size(), answers.size() + noModel, "every request accounted for");
    // Every answer comes from a model version that was (or will be) emitted: snapshots every step.
    assertAnsweredByTheirVersion(answers, sent, snapshots(s));
  }
}
