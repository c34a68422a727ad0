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
 * {@code local --sparse}: click data with hashed tokens through a real broker and a MiniCluster,
 * trained with FTRL; the learned AUC against the true model's on the same samples, requests with
 * tokens served by the predictor job, and three injected failures under exactly-once ending with
 * the same tables, bit for bit.
 */
class SparseLocalTest {

  private static JsonNode runLocal(Path summary, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "local",
                "--sparse",
                "--model",
                "sparse-logistic",
                "--optimizer",
                "ftrl",
                "--lr",
                "0.1",
                "--features",
                "2",
                "--hash-bits",
                "18",
                "--distinct-tokens",
                "20000",
                "--tokens-per-sample",
                "20",
                "--samples",
                "40000",
                "--models",
                "2",
                "--batch-size",
                "32",
                "--snapshot-every",
                "5",
                "--seed",
                "8",
                "--summary-json",
                summary.toString()));
    args.addAll(List.of(extra));
    assertEquals(0, new CommandLine(new StreamgradCli()).execute(args.toArray(new String[0])));
    return new ObjectMapper().readTree(Files.readString(summary));
  }

  @Test
  void learnsClicksNearTheTrueModelAndSurvivesFailuresBitForBit(@TempDir Path dir)
      throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    JsonNode clean = runLocal(dir.resolve("clean.json"), "--requests", "2000");
    assertEquals(0, clean.get("deadLetters").asLong(), clean.toString());
    // Served after training by the predictor job, from the models' full updates and deltas.
    JsonNode served = clean.get("predictions");
    assertEquals(2000, served.get("count").asLong(), served.toString());
    assertEquals(0, served.get("deadLetters").asLong(), served.toString());
    long finalVersion = clean.get("models").get(0).get("version").asLong();
    assertEquals(finalVersion, served.get("modelVersions").get(1).asLong(), "the final version");
    assertTrue(
        served.get("meanAbsError").asDouble() < 0.15,
        "served click probabilities near the true ones: " + served);
    for (JsonNode m : clean.get("models")) {
      double auc = m.get("auc").asDouble();
      double best = m.get("trueModelAuc").asDouble();
      assertTrue(best > 0.75, "the truth separates clicks: " + m);
      assertTrue(auc > best - 0.08, "learned AUC " + auc + " vs the true model's " + best);
      assertTrue(auc < best + 0.02, "no model beats the truth by much on its own data: " + m);
      assertTrue(
          m.get("logLoss").asDouble() < m.get("trueModelLogLoss").asDouble() + 0.08, m.toString());
      JsonNode tables = m.get("tables");
      assertEquals(m.get("version").asLong(), tables.get("version").asLong(), "tables complete");
      assertEquals(0, tables.get("gaps").asLong());
      assertTrue(tables.get("nonZero").asLong() > 100, m.toString());
    }

    JsonNode chaos =
        runLocal(
            dir.resolve("chaos.json"),
            "--fail-after",
            "9000,21000,33000",
            "--delivery",
            "exactly-once");
    assertEquals(3, chaos.get("restarts").asInt());
    for (int i = 0; i < clean.get("models").size(); i++) {
      JsonNode a = clean.get("models").get(i);
      JsonNode b = chaos.get("models").get(i);
      assertEquals(a.get("modelId"), b.get("modelId"));
      assertEquals(a.get("version"), b.get("version"));
      assertEquals(a.get("weights").toString(), b.get("weights").toString(), "dense part");
      assertEquals(a.get("bias").toString(), b.get("bias").toString());
      assertEquals(a.get("metrics").toString(), b.get("metrics").toString());
      assertEquals(
          a.get("tables").get("checksum"), b.get("tables").get("checksum"), "tables bit for bit");
      assertEquals(0, b.get("duplicateSnapshots").asInt(), "exactly-once");
      assertEquals(0, b.get("tables").get("gaps").asLong(), "every delta on its base");
    }
  }

  @Test
  void sparseAloneTrainsTheClickWorkloadWithItsDefaults(@TempDir Path dir) throws Exception {
    Path summary = dir.resolve("defaults.json");
    assertEquals(
        0,
        new CommandLine(new StreamgradCli())
            .execute(
                "local",
                "--sparse",
                "--samples",
                "6400",
                "--models",
                "1",
                "--requests",
                "0",
                "--summary-json",
                summary.toString()),
        "--sparse alone: sparse-logistic, ftrl, lr 0.1, no dense features");
    JsonNode model = new ObjectMapper().readTree(Files.readString(summary)).get("models").get(0);
    assertEquals(6400, model.get("samplesSeen").asLong(), model.toString());
    assertTrue(model.get("tables").get("nonZero").asLong() > 0, "a sparse model: " + model);
    assertEquals(0, model.get("weights").size(), "no dense features: " + model);
    assertTrue(
        model.get("maxAbsWeightError").isNull(),
        "no dense truth to be near: not a distance of 0 over no weights: " + model);
  }
}
