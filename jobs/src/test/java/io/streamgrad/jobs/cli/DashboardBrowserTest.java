package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.FeedbackMetrics;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver; .ci/run
 * installs them): {@code local --dashboard} trains, the page shows what the summary says, a new
 * snapshot moves the curve, and a hostile model id renders as text. Leaves a screenshot in {@code
 * target/dashboard.png}.
 */
class DashboardBrowserTest {
  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File DRIVER = new File("/usr/bin/chromedriver");
  private static final String HOSTILE = "<img src=x onerror=\"window.__xss=1\">";

  @Test
  void thePageShowsTheRunAsTheSummaryDoes(@TempDir Path dir) throws Exception {
    boolean there = CHROMIUM.canExecute() && DRIVER.canExecute();
    if (System.getenv("CI") == null) {
      Assumptions.assumeTrue(there, "chromium and chromium-driver are not installed");
    }
    assertTrue(there, "CI installs chromium and chromium-driver (.ci/run)");
    io.streamgrad.schemas.AvroTrust.install();
    try (EmbeddedKafka kafka = new EmbeddedKafka()) {
      Path summary = dir.resolve("summary.json");
      LocalCommand local = new LocalCommand();
      Thread run =
          new Thread(
              () ->
                  new CommandLine(local)
                      .execute(
                          "--bootstrap-servers",
                          kafka.bootstrapServers(),
                          "--samples",
                          "6000",
                          "--models",
                          "3",
                          "--features",
                          "4",
                          "--requests",
                          "0",
                          "--dashboard",
                          "--dashboard-port",
                          "0",
                          "--keep-dashboard",
                          "--summary-json",
                          summary.toString()),
              "local");
      run.setDaemon(true);
      run.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (!Files.exists(summary) || local.runningDashboard == null) {
        assertTrue(run.isAlive(), "local ended early");
        assertTrue(System.nanoTime() < deadline, "local did not finish");
        Thread.sleep(100);
      }
      JsonNode model0 = null;
      for (JsonNode m : new ObjectMapper().readTree(Files.readString(summary)).get("models")) {
        if (m.get("modelId").asText().equals("model-0")) {
          model0 = m;
        }
      }
      String url = local.runningDashboard.url();
      assertTrue(model0 != null, "model-0 in the summary");
      String finalVersion = model0.get("version").asText();

      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM);
      options.addArguments(
          "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(DRIVER)
              .usingAnyFreePort()
              .build();
      WebDriver browser = new ChromeDriver(service, options);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get(url);
        wait.until(b -> b.findElements(By.cssSelector("#models tr")).size() == 3);
        wait.until(
            b -> click(b, "model-0")); // rows are rebuilt on each update: find and click at once
        wait.until(b -> text(b, "detail-id").equals("model-0") && points(b) > 0);
        wait.until(b -> value(b, "detail-version").equals(finalVersion));
        assertEquals(model0.get("samplesSeen").asText(), value(browser, "detail-samples"));
        assertEquals(
            model0.get("finalLoss").asDouble(),
            Double.parseDouble(value(browser, "detail-loss")),
            1e-12,
            "the last batch loss");
        Files.createDirectories(Path.of("target"));
        Files.copy(
            ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
            Path.of("target", "dashboard.png"),
            StandardCopyOption.REPLACE_EXISTING);

        // A new snapshot moves the curve, without a reload.
        int before = points(browser);
        long version = model0.get("version").asLong() + 1;
        long seen = model0.get("samplesSeen").asLong() + 32;
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
          send(p, snapshot("model-0", version, seen, 0.125f));
          send(p, snapshot(HOSTILE, 1, 32, 0.5f));
        }
        wait.until(b -> value(b, "detail-version").equals(Long.toString(version)));
        wait.until(b -> points(b) == before + 1);
        assertEquals(
            Long.toString(seen),
            browser.findElement(By.id("loss-chart")).getDomAttribute("data-last-samples"));
        assertEquals(0.125, Double.parseDouble(value(browser, "detail-loss")), 1e-12);

        // A model that learns from outcomes shows its feedback reports: counts and a served curve.
        assertTrue(browser.findElement(By.id("feedback-box")).getDomAttribute("hidden") != null);
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
          EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "feedback");
          sendReport(p, report("model-0", 1_000, 0.70, 0.06, 0.05));
          sendReport(p, report("model-0", 2_000, 0.75, 0.055, 0.05));
          sendReport(p, report("model-0", 1_000, 0.1, 0.9, 0.05)); // a replay: ignored
        }
        wait.until(b -> value(b, "fb-events").equals("2000"));
        wait.until(b -> servedPoints(b) == 2);
        assertEquals(null, browser.findElement(By.id("feedback-box")).getDomAttribute("hidden"));
        assertEquals("1800", value(browser, "fb-joined"));
        assertEquals("200", value(browser, "fb-pending"));
        assertEquals(0.75, Double.parseDouble(value(browser, "fb-metric")), 1e-12);
        assertEquals(0.055 / 0.05, Double.parseDouble(value(browser, "fb-calibration")), 1e-9);

        // A hostile model id is text: listed, selectable, never markup.
        wait.until(b -> b.findElements(By.cssSelector("#models tr")).size() == 4);
        @SuppressWarnings("unchecked")
        List<String> ids =
            (List<String>)
                ((JavascriptExecutor) browser)
                    .executeScript(
                        "return [...document.querySelectorAll('#models td.id')].map(td => td.textContent);");
        assertTrue(ids.contains(HOSTILE), "the id shows as the text it is: " + ids);
        wait.until(b -> click(b, HOSTILE));
        wait.until(b -> text(b, "detail-id").equals(HOSTILE));
        assertTrue(browser.findElements(By.tagName("img")).isEmpty(), "no element made of it");
        assertNull(((JavascriptExecutor) browser).executeScript("return window.__xss;"));
      } finally {
        browser.quit();
        run.interrupt(); // ends --keep-dashboard
        run.join(30_000);
      }
    }
  }

  /** Clicks the row of model {@code id}; false when it is not listed (yet). */
  private static boolean click(WebDriver b, String id) {
    return Boolean.TRUE.equals(
        ((JavascriptExecutor) b)
            .executeScript(
                "for (const tr of document.querySelectorAll('#models tr')) {"
                    + " if (tr.dataset.id === arguments[0]) { tr.click(); return true; } }"
                    + " return false;",
                id));
  }

  private static String text(WebDriver b, String id) {
    return b.findElement(By.id(id)).getText();
  }

  private static String value(WebDriver b, String id) {
    String v = b.findElement(By.id(id)).getDomAttribute("data-value");
    return v == null ? "" : v;
  }

  private static int points(WebDriver b) {
    String p = b.findElement(By.id("loss-chart")).getDomAttribute("data-points");
    return p == null ? 0 : Integer.parseInt(p);
  }

  private static int servedPoints(WebDriver b) {
    String p = b.findElement(By.id("served-chart")).getDomAttribute("data-points");
    return p == null ? 0 : Integer.parseInt(p);
  }

  private static void sendReport(KafkaProducer<byte[], byte[]> p, FeedbackReport r)
      throws Exception {
    p.send(new ProducerRecord<>("feedback", r.getModelId().getBytes(), WireFormat.encode(r))).get();
  }

  /** A report after {@code events} events, 90% joined, 10% pending. */
  private static FeedbackReport report(
      String id, long events, double auc, double meanServed, double observed) {
    FeedbackMetrics m =
        FeedbackMetrics.newBuilder()
            .setEvents(events)
            .setLabels(events / 20)
            .setJoined(events * 9 / 10)
            .setExpired(0)
            .setPending(events / 10)
            .setLateLabels(0)
            .setOrphanLabels(0)
            .setDuplicateLabels(0)
            .setDeadLetters(0)
            .setTrainedPositives(events / 20)
            .setTrainedNegatives(events * 17 / 20)
            .setScored(events * 9 / 10)
            .setServedAuc(auc)
            .setServedLogLoss(0.2)
            .setMeanServedPrediction(meanServed)
            .setObservedRate(observed)
            .setWindowServedAuc(auc)
            .setWindowServedLogLoss(0.2)
            .setWindowMeanServedPrediction(meanServed)
            .setWindowObservedRate(observed)
            .build();
    return FeedbackReport.newBuilder()
        .setModelId(id)
        .setVersion(events / 32)
        .setTimestamp(Instant.ofEpochMilli(events))
        .setMetrics(m)
        .build();
  }

  private static void send(KafkaProducer<byte[], byte[]> p, WeightSnapshot s) throws Exception {
    p.send(new ProducerRecord<>("snapshots", s.getModelId().getBytes(), WireFormat.encode(s)))
        .get();
  }

  private static WeightSnapshot snapshot(String id, long version, long seen, float loss) {
    return WeightSnapshot.newBuilder()
        .setModelId(id)
        .setVersion(version)
        .setWeights(List.of(0.5f, -1f, 0.25f, 2f))
        .setBias(0f)
        .setSamplesSeen(seen)
        .setBatchLoss(loss)
        .setPrequentialLoss(loss)
        .setGradNorm(1f)
        .setLearningRate(0.01f)
        .setOptimizer("sgd")
        .setTimestamp(Instant.now())
        .build();
  }
}
