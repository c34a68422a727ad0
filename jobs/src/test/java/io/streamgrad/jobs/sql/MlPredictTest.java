package io.streamgrad.jobs.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.nn.Models;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.RequestReader;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.AbstractDeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flink SQL's {@code ML_PREDICT} served by streamgrad's model provider: a real SQL job on a
 * MiniCluster, requests from Kafka, the model followed on the snapshot topic while the query runs.
 */
class MlPredictTest {
  static final int FEATURES = 4;

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  /** Requests as rows (request_id, features ARRAY<FLOAT>[, tokens ARRAY<STRING>]). */
  static final class RequestRows extends AbstractDeserializationSchema<Row> {
    private final boolean withTokens;
    private transient RequestReader reader;

    RequestRows(boolean withTokens) {
      this.withTokens = withTokens;
    }

    @Override
    public Row deserialize(byte[] message) throws IOException {
      if (reader == null) {
        reader = new RequestReader();
      }
      DenseRequest r = reader.read(message);
      Float[] x = new Float[r.features.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.features[i];
      }
      return withTokens ? Row.of(r.requestId, x, r.tokens) : Row.of(r.requestId, x);
    }

    @Override
    public TypeInformation<Row> getProducedType() {
      return withTokens
          ? Types.ROW_NAMED(
              new String[] {"request_id", "features", "tokens"},
              Types.STRING,
              Types.OBJECT_ARRAY(Types.FLOAT),
              Types.OBJECT_ARRAY(Types.STRING))
          : Types.ROW_NAMED(
              new String[] {"request_id", "features"},
              Types.STRING,
              Types.OBJECT_ARRAY(Types.FLOAT));
    }
  }

  private static StreamTableEnvironment tables(String requestsTopic) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    KafkaSource<Row> source =
        KafkaSource.<Row>builder()
            .setBootstrapServers(kafka.bootstrapServers())
            .setTopics(requestsTopic)
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setValueOnlyDeserializer(new RequestRows(false))
            .build();
    tEnv.createTemporaryView(
        "requests", env.fromSource(source, WatermarkStrategy.noWatermarks(), "requests"));
    return tEnv;
  }

  private static String createModel(String output, String topic, String modelId) {
    return "CREATE MODEL m INPUT (features ARRAY<FLOAT>) OUTPUT ("
        + output
        + ") WITH ('provider' = 'streamgrad', 'model-id' = '"
        + modelId
        + "', 'snapshots-topic' = '"
        + topic
        + "', 'model-wait' = '60s', 'properties.bootstrap.servers' = '"
        + kafka.bootstrapServers()
        + "')";
  }

  private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] v) {
    p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), v));
    p.flush();
  }

  @Test
  @Timeout(300)
  void laterRowsUseTheNewerVersions() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "sql-snapshots", "sql-requests");
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(FEATURES)
            .model(Models.logistic())
            .optimizer(Optimizers.adam(0.1))
            .batchSize(4)
            .build();
    ModelTrainer trainer = new ModelTrainer(t.config(), "m1");
    SplittableRandom rng = new SplittableRandom(1);
    Map<Long, WeightSnapshot> versions = new HashMap<>();
    Map<String, float[]> sent = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      WeightSnapshot v1 = train(trainer, rng, 1);
      versions.put(1L, v1);
      send(p, "sql-snapshots", "m1", WireFormat.encode(v1));
      StreamTableEnvironment tEnv = tables("sql-requests");
      tEnv.executeSql(createModel("prediction FLOAT, model_version BIGINT", "sql-snapshots", "m1"));
      TableResult result =
          tEnv.executeSql(
              "SELECT request_id, prediction, model_version FROM"
                  + " TABLE(ML_PREDICT(TABLE requests, MODEL m, DESCRIPTOR(features)))");
      try (CloseableIterator<Row> rows = result.collect()) {
        int n = 0;
        request(p, "r" + n++, rng, sent);
        Row first = rows.next();
        assertEquals(1L, first.getField(2), "the only version there is: " + first);
        check(first, versions, sent);

        // Two newer versions arrive while the query runs.
        WeightSnapshot v2 = train(trainer, rng, 3);
        WeightSnapshot v3 = train(trainer, rng, 5);
        versions.put(v2.getVersion(), v2);
        versions.put(v3.getVersion(), v3);
        send(p, "sql-snapshots", "m1", WireFormat.encode(v2));
        send(p, "sql-snapshots", "m1", WireFormat.encode(v3));
        long last = 1;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (last < v3.getVersion()) {
          assertTrue(System.nanoTime() < deadline, "version " + v3.getVersion() + " never used");
          request(p, "r" + n++, rng, sent);
          Row row = rows.next();
          check(row, versions, sent);
          long version = (Long) row.getField(2);
          assertTrue(version >= last, "versions never go back: " + version + " after " + last);
          last = version;
        }
        // A request with the wrong feature count gets a NULL prediction, not a lost row.
        p.send(
            new ProducerRecord<>(
                "sql-requests",
                WireFormat.encode(
                    PredictionRequest.newBuilder()
                        .setModelId("m1")
                        .setRequestId("short")
                        .setFeatures(FloatLists.boxed(new float[2]))
                        .build())));
        p.flush();
        Row bad = rows.next();
        assertEquals("short", bad.getField(0));
        assertEquals(null, bad.getField(1));
      }
    }
  }

  @Test
  void aModelWithTheWrongInputTypeIsRefusedWithWhatItTakes() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "sql-requests-2");
    StreamTableEnvironment tEnv = tables("sql-requests-2");
    tEnv.executeSql(
        "CREATE MODEL m INPUT (features STRING) OUTPUT (prediction FLOAT) WITH ('provider' ="
            + " 'streamgrad', 'model-id' = 'x', 'properties.bootstrap.servers' = 'localhost:1')");
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                tEnv.executeSql(
                    "SELECT * FROM TABLE(ML_PREDICT(TABLE requests, MODEL m,"
                        + " DESCRIPTOR(request_id)))"));
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    assertTrue(
        root.getMessage().contains("ARRAY<FLOAT> or ARRAY<DOUBLE>"), "says what it takes: " + root);
  }

  /**
   * A sparse model (FTRL over 2^10 hashed coordinates and 2 dense features) served to SQL from its
   * full update and deltas: each row's prediction is the trainer's own forward pass at the version
   * the row names, bit for bit; a row with an empty token gets NULL.
   */
  @Test
  @Timeout(300)
  void aSparseModelPredictsFromFeaturesAndTokens() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 1, "sqls-snapshots", "sqls-requests");
    int bits = 10;
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(2)
            .model(io.streamgrad.nn.SparseModels.logistic(bits))
            .optimizer(Optimizers.ftrl(0.5))
            .batchSize(8)
            .build();
    ModelTrainer trainer = new ModelTrainer(t.config(), "ads");
    var spec = SnapshotModels.toAvro(t.config().model.spec(2));
    String[] probe = {"site=news", "hour=13", "c42"};
    float[] x = {0.25f, -1f};
    io.streamgrad.autograd.SparseBatch row = new io.streamgrad.autograd.SparseBatch();
    for (String token : probe) {
      row.add(io.streamgrad.schemas.FeatureHashing.index(token, bits), 1f);
    }
    row.endRow();
    Map<Long, Float> expected = new HashMap<>();
    SplittableRandom rng = new SplittableRandom(3);
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(bs)) {
      for (int v = 1; v <= 4; v++) {
        while (!trainer.add(
            new float[] {(float) rng.nextGaussian(), (float) rng.nextGaussian()},
            new int[] {
              rng.nextInt(1 << bits), io.streamgrad.schemas.FeatureHashing.index("c42", bits)
            },
            new float[] {1f, 1f},
            rng.nextBoolean() ? 1f : 0f,
            1f)) {}
        trainer.step();
        float[] out = new float[1];
        trainer.predictor().predict(x, row, 1, out);
        expected.put(trainer.version(), out[0]);
        for (WeightSnapshot s : Snapshots.publish("ads", trainer, false, 0L, spec)) {
          send(p, "sqls-snapshots", "ads", WireFormat.encode(s));
        }
      }
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
      StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
      KafkaSource<Row> source =
          KafkaSource.<Row>builder()
              .setBootstrapServers(bs)
              .setTopics("sqls-requests")
              .setStartingOffsets(OffsetsInitializer.earliest())
              .setValueOnlyDeserializer(new RequestRows(true))
              .build();
      tEnv.createTemporaryView(
          "requests", env.fromSource(source, WatermarkStrategy.noWatermarks(), "requests"));
      tEnv.executeSql(
          "CREATE MODEL m INPUT (features ARRAY<FLOAT>, tokens ARRAY<STRING>) OUTPUT (prediction"
              + " FLOAT, model_version BIGINT) WITH ('provider' = 'streamgrad', 'model-id' = 'ads',"
              + " 'snapshots-topic' = 'sqls-snapshots', 'model-wait' = '60s',"
              + " 'properties.bootstrap.servers' = '"
              + bs
              + "')");
      TableResult result =
          tEnv.executeSql(
              "SELECT request_id, prediction, model_version FROM"
                  + " TABLE(ML_PREDICT(TABLE requests, MODEL m, DESCRIPTOR(features, tokens)))");
      try (CloseableIterator<Row> rows = result.collect()) {
        long version = 0;
        int n = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (version < 4) { // the follower reads the versions while the query runs
          assertTrue(System.nanoTime() < deadline, "version 4 never used");
          send(p, "sqls-requests", "ads", sparseRequest("q" + n++, x, probe));
          Row r = rows.next();
          version = (Long) r.getField(2);
          assertEquals(
              Float.floatToIntBits(expected.get(version)),
              Float.floatToIntBits((Float) r.getField(1)),
              "the trainer's forward pass at version " + version + ": " + r);
        }
        send(p, "sqls-requests", "ads", sparseRequest("empty", x, "site=news", ""));
        Row bad = rows.next();
        assertEquals("empty", bad.getField(0));
        assertEquals(null, bad.getField(1), "an empty token: NULL, not a lost row");
      }
    }
  }

  private static byte[] sparseRequest(String id, float[] x, String... tokens) {
    return WireFormat.encode(
        PredictionRequest.newBuilder()
            .setModelId("ads")
            .setRequestId(id)
            .setFeatures(FloatLists.boxed(x))
            .setTokens(java.util.Arrays.asList(tokens))
            .build());
  }

  /** Trains until {@code version} and returns that snapshot. */
  private static WeightSnapshot train(ModelTrainer trainer, SplittableRandom rng, long version) {
    while (trainer.version() < version) {
      float[] x = row(rng);
      if (trainer.add(x, x[0] > 0 ? 1f : 0f, 1f)) {
        trainer.step();
      }
    }
    return Snapshots.of("m1", trainer, false, System.currentTimeMillis());
  }

  private static float[] row(SplittableRandom rng) {
    float[] x = new float[FEATURES];
    for (int j = 0; j < FEATURES; j++) {
      x[j] = (float) rng.nextGaussian();
    }
    return x;
  }

  private static void request(
      KafkaProducer<byte[], byte[]> p, String id, SplittableRandom rng, Map<String, float[]> sent) {
    float[] x = row(rng);
    sent.put(id, x);
    send(
        p,
        "sql-requests",
        "m1",
        WireFormat.encode(
            PredictionRequest.newBuilder()
                .setModelId("m1")
                .setRequestId(id)
                .setFeatures(FloatLists.boxed(x))
                .build()));
  }

  /** The row's prediction is the forward pass of the version it names, bit for bit. */
  private static void check(
      Row row, Map<Long, WeightSnapshot> versions, Map<String, float[]> sent) {
    WeightSnapshot s = versions.get((Long) row.getField(2));
    float expected = SnapshotModels.predictor(s).predict(sent.get((String) row.getField(0)));
    assertEquals(
        Float.floatToIntBits(expected),
        Float.floatToIntBits((Float) row.getField(1)),
        row.toString());
  }
}
