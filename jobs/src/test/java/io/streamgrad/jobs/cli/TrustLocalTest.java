package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Models trusted unattended, end to end through {@code local} (embedded Kafka, Flink MiniCluster):
 * standardization of raw-looking features, prequential metrics, drift detection and the quality
 * gate, as the summary reports them.
 */
class TrustLocalTest {

  private static JsonNode local(Path dir, String name, String... extra) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    Path summary = dir.resolve(name + ".json");
    List<String> args =
        new ArrayList<>(
            List.of(
                "local", "--models", "2", "--seed", "11", "--summary-json", summary.toString()));
    args.addAll(List.of(extra));
    assertEquals(0, new CommandLine(new StreamgradCli()).execute(args.toArray(new String[0])));
    return new ObjectMapper().readTree(Files.readString(summary));
  }

  private static double maxAbs(JsonNode values) {
    double m = 0;
    for (JsonNode v : values) {
      m = Math.max(m, Math.abs(v.asDouble()));
    }
    return m;
  }

  /**
   * The tutorial's data with features x·1000 + 500: plain SGD at the default learning rate diverges
   * (the guard refuses every step, nothing is learned); standardized, the same run converges to the
   * true function of the raw features, and the predictor job applies the same standardization.
   */
  @Test
  void standardizationMakesRawLookingDataLearnable(@TempDir Path dir) throws Exception {
    String[] raw = {
      "--features", "4", "--samples", "12000", "--feature-scale", "1000", "--feature-offset", "500"
    };
    JsonNode plain = local(dir, "plain", concat(raw, "--requests", "0"));
    assertTrue(
        plain.get("deadLettersByReason").get("non-finite update").asLong() > 11000,
        "the divergence guard fired: " + plain.get("deadLettersByReason"));
    for (JsonNode m : plain.get("models")) {
      assertTrue(m.get("samplesSeen").asLong() < 200, "nothing learned: " + m);
    }
    JsonNode standardized =
        local(dir, "standardized", concat(raw, "--preprocess", "standardize", "--requests", "200"));
    assertEquals(0, standardized.get("deadLetters").asLong());
    for (JsonNode m : standardized.get("models")) {
      assertEquals(6000 - 100, m.get("samplesSeen").asLong(), "all but the warm-up: " + m);
      double scale = maxAbs(m.get("trueWeights"));
      assertTrue(scale > 1e-4 && scale < 1e-2, "raw-space truth, ~w/1000: " + scale);
      assertTrue(
          m.get("maxAbsWeightError").asDouble() < 0.05 * scale,
          "raw-space weights within 5% of the truth's scale: " + m);
      double bias = m.get("trueBias").asDouble();
      assertTrue(Math.abs(m.get("bias").asDouble() - bias) < 0.1, "bias: " + m);
      assertTrue(m.get("metrics").get("windowRmse").asDouble() < 0.7, "noise is 0.5: " + m);
    }
    JsonNode served = standardized.get("predictions");
    assertEquals(200, served.get("count").asLong(), served.toString());
    assertTrue(served.get("meanAbsError").asDouble() < 0.1, served.toString());
  }

  /**
   * A change of the true weights after 4,000 samples per model (8 features: a change a model cannot
   * absorb within a batch): found soon after, reported.
   */
  @Test
  void driftIsDetectedAndReported(@TempDir Path dir) throws Exception {
    JsonNode s =
        local(
            dir,
            "drift",
            "--features",
            "8",
            "--samples",
            "12000",
            "--drift-at",
            "4000",
            "--drift",
            "page-hinkley",
            "--drift-action",
            "reset-optimizer",
            "--optimizer",
            "adagrad",
            "--lr",
            "0.5",
            "--requests",
            "0");
    for (JsonNode m : s.get("models")) {
      JsonNode drifts = m.get("drifts");
      assertEquals(1, drifts.size(), "one change, one detection: " + m);
      long at = drifts.get(0).asLong();
      assertTrue(at > 4000 && at <= 4100, "within 100 samples of the change: " + m);
      JsonNode metrics = m.get("metrics");
      assertEquals(6000, metrics.get("samples").asLong());
      assertTrue(metrics.get("windowRmse").asDouble() < 0.8, "recovered (noise 0.5): " + m);
      assertTrue(
          metrics.get("rmse").asDouble() > metrics.get("windowRmse").asDouble(),
          "since the start includes the drift: " + m);
      assertTrue(m.get("maxAbsWeightError").asDouble() < 0.15, "learned the new truth: " + m);
    }
  }

  /**
   * Labels turn to noise after 3,000 samples per model: snapshots stop being published (held back
   * and counted), and the predictor keeps answering with the last good version.
   */
  @Test
  void theQualityGateHoldsBackAModelWhoseDataTurnedToNoise(@TempDir Path dir) throws Exception {
    JsonNode s =
        local(
            dir,
            "gate",
            "--features",
            "4",
            "--samples",
            "10000",
            "--noise-at",
            "3000",
            "--publish-if",
            "rmse<=1.0",
            "--requests",
            "100");
    long lastGood = 0;
    for (JsonNode m : s.get("models")) {
      long seen = m.get("samplesSeen").asLong();
      assertTrue(seen >= 2500 && seen <= 3300, "published until shortly after the noise: " + m);
      // Every 10th version of 156 is a snapshot, and the final one: those after the noise are held.
      assertTrue(m.get("gatedSnapshots").asLong() >= 6, "the rest held back: " + m);
      assertTrue(m.get("metrics").get("windowRmse").asDouble() <= 1.0, "what was published: " + m);
      lastGood = Math.max(lastGood, m.get("version").asLong());
    }
    JsonNode served = s.get("predictions");
    assertEquals(100, served.get("count").asLong(), served.toString());
    assertTrue(
        served.get("modelVersions").get(1).asLong() <= lastGood && lastGood < 5000 / 32,
        "answered by the last good versions, not the final ones: " + served);
    assertTrue(served.get("maxAbsError").asDouble() < 0.5, "good answers: " + served);
  }

  private static String[] concat(String[] a, String... b) {
    List<String> out = new ArrayList<>(List.of(a));
    out.addAll(List.of(b));
    return out.toArray(new String[0]);
  }
}
