package io.streamgrad.jobs.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The dashboard's server and feed: load, clients that leave, topics that do not exist yet. */
class DashboardServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @org.junit.jupiter.api.BeforeAll
  static void trustTheSchemas() {
    io.streamgrad.schemas.AvroTrust.install(); // as the CLI does, whatever ran before
  }

  static WeightSnapshot snapshot(String id, long version, long seen, float loss) {
    return WeightSnapshot.newBuilder()
        .setModelId(id)
        .setVersion(version)
        .setWeights(List.of(0.5f, -1f))
        .setBias(0f)
        .setSamplesSeen(seen)
        .setBatchLoss(loss)
        .setPrequentialLoss(loss * 2)
        .setGradNorm(1f)
        .setLearningRate(0.01f)
        .setOptimizer("sgd")
        .setTimestamp(Instant.now())
        .build();
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url);
    return r.body();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  @Test
  void aPortInUseIsNamedWithItsAddress() throws Exception {
    try (DashboardServer first = new DashboardServer(new Board(), "127.0.0.1", 0)) {
      int port = URI.create(first.url()).getPort();
      java.io.IOException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.io.IOException.class,
              () -> new DashboardServer(new Board(), "127.0.0.1", port).close());
      assertTrue(
          e.getMessage().startsWith("the dashboard cannot listen on 127.0.0.1:" + port + ": "),
          e.getMessage());
    }
  }

  @Test
  void manyConcurrentPageLoadsAndAHostileIdAsData() throws Exception {
    Board board = new Board();
    board.snapshot(snapshot("<img src=x onerror=alert(1)>", 1, 32, 0.5f));
    try (DashboardServer server = new DashboardServer(board, "127.0.0.1", 0)) {
      String base = server.url();
      ExecutorService pool = Executors.newFixedThreadPool(32);
      List<Future<Integer>> loads = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        Callable<Integer> load =
            () -> {
              int bytes = 0;
              for (String p :
                  List.of("", "static/chart.umd.min.js", "static/dashboard.js", "api/models")) {
                bytes += get(base + p).length();
              }
              return bytes;
            };
        loads.add(pool.submit(load));
      }
      for (Future<Integer> f : loads) {
        assertTrue(f.get() > 200_000, "page, Chart.js, script and data");
      }
      pool.shutdown();
      JsonNode models = JSON.readTree(get(base + "api/models"));
      assertEquals("<img src=x onerror=alert(1)>", models.get("models").get(0).get("id").asText());
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create(base)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertTrue(
          page.headers()
              .firstValue("Content-Security-Policy")
              .orElse("")
              .contains("script-src 'self'"),
          "no inline script can run");
      assertEquals(
          404,
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "../etc/passwd")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
    }
  }

  /** 10,000 models: the list is sorted and searched on the server, fifty rows at a time. */
  @Test
  void tenThousandModelsAreListedFiftyAtATimeAndCurvesStayBounded() throws Exception {
    Board board = new Board();
    for (int m = 0; m < 10_000; m++) {
      board.snapshot(snapshot("model-" + m, 1, 32, (m * 7919 % 10_000) / 1000f));
    }
    JsonNode page = JSON.readTree(board.modelsJson(Board.Sort.LOSS, "", 50));
    assertEquals(10_000, page.get("total").asInt());
    assertEquals(50, page.get("models").size());
    double previous = Double.MAX_VALUE;
    for (JsonNode row : page.get("models")) {
      double loss = row.get("prequentialLoss").asDouble();
      assertTrue(loss <= previous, "highest loss first");
      previous = loss;
    }
    assertEquals(9.999 * 2, page.get("models").get(0).get("prequentialLoss").asDouble(), 1e-3);
    long expected = 0;
    for (int m = 0; m < 10_000; m++) {
      expected += ("model-" + m).contains("model-12") ? 1 : 0;
    }
    JsonNode found = JSON.readTree(board.modelsJson(Board.Sort.ID, "MODEL-12", 50));
    assertEquals(expected, found.get("matching").asLong(), "case-insensitive search");
    assertEquals("model-12", found.get("models").get(0).get("id").asText());

    for (int v = 2; v <= 5_000; v++) { // a long run: its curve keeps its shape in bounded points
      board.snapshot(snapshot("model-0", v, 32L * v, 1f / v));
    }
    JsonNode curve = JSON.readTree(board.modelJson("model-0")).get("curve");
    assertTrue(curve.get("samples").size() <= Curve.CAPACITY, curve.get("samples").size() + "");
    assertTrue(curve.get("samples").size() >= Curve.CAPACITY / 2);
    assertEquals(32, curve.get("samples").get(0).asLong(), "the first point is kept");
    long last = curve.get("samples").get(curve.get("samples").size() - 1).asLong();
    assertTrue(last > 32L * 4_900, "and recent ones: " + last);
  }

  @Test
  void clientsThatLeaveMidStreamEndOnlyTheirOwnStream() throws Exception {
    Board board = new Board();
    try (DashboardServer server = new DashboardServer(board, "127.0.0.1", 0)) {
      for (int i = 0; i < 10; i++) {
        HttpURLConnection c =
            (HttpURLConnection) URI.create(server.url() + "events").toURL().openConnection();
        InputStream in = c.getInputStream();
        byte[] first = new byte[8];
        assertEquals(8, in.readNBytes(first, 0, 8), "the first event");
        assertEquals("data: {\"", new String(first, java.nio.charset.StandardCharsets.UTF_8));
        c.disconnect(); // gone mid-stream
      }
      // The next change is written to every stream; the ones whose client left end.
      long version = 1;
      while (server.openStreams() > 0) {
        board.snapshot(snapshot("m", version++, version * 32, 0.1f));
        Thread.sleep(2 * DashboardServer.EVENT_CHECK_MILLIS);
        if (version > 300) {
          throw new AssertionError("streams of gone clients still open: " + server.openStreams());
        }
      }
      JsonNode summary = JSON.readTree(get(server.url() + "api/summary"));
      assertEquals(1, summary.get("models").asInt(), "the server goes on");
    }
  }

  @Test
  void topicsThatDoNotExistYetAreWaitedForAndSaid() throws Exception {
    try (EmbeddedKafka kafka = new EmbeddedKafka();
        Dashboard d =
            Dashboard.start(
                kafka.bootstrapServers(),
                new Properties(),
                "later-snapshots",
                "later-dead-letters",
                "later-predictions",
                "later-feedback",
                Map.of(),
                "127.0.0.1",
                0)) {
      await(
          () -> d.board().waitingFor().contains("later-snapshots"),
          "the board to say what it waits for");
      JsonNode summary = JSON.readTree(get(d.url() + "api/summary"));
      assertEquals(2, summary.get("waitingFor").size(), summary.toString());
      assertEquals(kafka.bootstrapServers(), summary.get("bootstrapServers").asText());
      EmbeddedKafka.createTopics(
          kafka.bootstrapServers(), 1, "later-snapshots", "later-dead-letters");
      try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
        p.send(
                new ProducerRecord<>(
                    "later-snapshots",
                    "m1".getBytes(),
                    WireFormat.encode(snapshot("m1", 3, 96, 0.25f))))
            .get();
      }
      await(() -> d.board().modelCount() == 1, "the snapshot once the topic exists");
      await(() -> d.board().waitingFor().isEmpty(), "nothing left to wait for");
      JsonNode model = JSON.readTree(get(d.url() + "api/model?id=m1"));
      assertEquals(3, model.get("version").asLong());
      assertEquals(96, model.get("samplesSeen").asLong());
      assertEquals(0.25, model.get("batchLoss").asDouble(), 1e-9);
    }
  }
}
