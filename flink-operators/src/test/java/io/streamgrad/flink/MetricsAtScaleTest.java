package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import io.streamgrad.online.live.PerModelMetrics;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DenseSample;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 models in a running job, scraped by Prometheus: the scrape stays small (per-model groups
 * are bounded to the first K models of each subtask) and the population aggregates count every
 * model.
 */
class MetricsAtScaleTest {
  static final int MODELS = 100_000;
  static final int PER_MODEL_GROUPS = 5;
  static final int MAX_LIVE = 10_000;

  static final class Samples implements GeneratorFunction<Long, DenseSample> {
    @Override
    public DenseSample map(Long i) {
      return new DenseSample("m" + (i % MODELS), new float[] {1f, (i % 7) / 7f}, 1f, 1f);
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void scrapeOfAHundredThousandModelsStaysSmallAndCountsThemAll(@TempDir Path checkpoints)
      throws Exception {
    // Ends when the conditions below hold; a metric that never gets there times the test out.
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.setString(
        "metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    conf.setString("metrics.reporter.prom.port", String.valueOf(port));
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    env.enableCheckpointing(1_000); // models.writtenAtLastCheckpoint counts what each one wrote
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(2)
            .model(Models.linear())
            .optimizer(Optimizers.sgd(0.05))
            .batchSize(2)
            .maxLiveModels(MAX_LIVE)
            .perModelMetrics(PerModelMetrics.first(PER_MODEL_GROUPS))
            .build();
    var samples =
        env.fromSource(
            new DataGeneratorSource<>(
                new Samples(), Long.MAX_VALUE, OnlineTrainer.denseSampleType()),
            WatermarkStrategy.noWatermarks(),
            "samples");
    trainer.trainDense(samples).sinkTo(new DiscardingSink<>());
    JobClient job = env.executeAsync("metrics-at-scale");
    try {
      String scrape = "";
      // Until both subtasks have every model in state and the 10 s aggregates have caught up.
      while (sum(scrape, "models_inState") < MODELS
          || sum(scrape, "models_updatedLastMinute") < MODELS
          || sum(scrape, "models_writtenAtLastCheckpoint") == 0) {
        assertTrue(!job.getJobStatus().get().isGloballyTerminalState(), "the job ended");
        Thread.sleep(500);
        scrape = scrape(port);
      }
      int bytes = scrape.getBytes(StandardCharsets.UTF_8).length;
      Set<String> modelLabels = labels(scrape, "model");
      System.out.printf(
          "Prometheus scrape with %,d models: %,d bytes, %d series, %d per-model groups%n",
          MODELS,
          bytes,
          scrape.lines().filter(l -> !l.startsWith("#")).count(),
          modelLabels.size());
      assertTrue(modelLabels.size() <= 2 * PER_MODEL_GROUPS, "per-model groups: " + modelLabels);
      assertTrue(modelLabels.size() > 0, "the first models of each subtask have their group");
      assertTrue(bytes < 1_000_000, "scrape of " + bytes + " bytes");
      assertTrue(max(scrape, "models_live") <= MAX_LIVE, "live models bounded by the cache");
      assertTrue(sum(scrape, "models_evictions") > 0, "the cache evicted");
      assertTrue(
          sum(scrape, "models_writtenAtLastCheckpoint") <= 2 * MAX_LIVE,
          "a checkpoint writes the live models changed since the last one, at most the cache");
      assertTrue(scrape.contains("models_prequentialLoss_median"), "loss distribution");
      assertTrue(scrape.contains("models_stalenessMs_max"), "staleness distribution");
    } finally {
      job.cancel().get();
    }
  }

  static String scrape(int port) {
    try (InputStream in =
        URI.create("http://localhost:" + port + "/metrics").toURL().openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return ""; // the reporter starts with the task manager
    }
  }

  /** Values of the series whose name ends with {@code suffix}. */
  static double[] values(String scrape, String suffix) {
    return scrape
        .lines()
        .filter(l -> !l.startsWith("#"))
        .filter(l -> l.substring(0, Math.max(0, l.indexOf('{'))).endsWith(suffix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .toArray();
  }

  static double sum(String scrape, String suffix) {
    double s = 0;
    for (double v : values(scrape, suffix)) {
      s += v;
    }
    return s;
  }

  static double max(String scrape, String suffix) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : values(scrape, suffix)) {
      m = Math.max(m, v);
    }
    return m;
  }

  static Set<String> labels(String scrape, String label) {
    Set<String> out = new HashSet<>();
    Matcher m = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"").matcher(scrape);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
