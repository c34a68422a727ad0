package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's main command, run in-process: embedded broker, produce, train, watch, summary. */
class LocalCommandTest {

  @Test
  void localRunExitsZeroAndTheSummaryChecksOut(@TempDir Path dir) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    Path summary = dir.resolve("summary.json");
    int exit =
        new CommandLine(new StreamgradCli())
            .execute(
                "local",
                "--samples",
                "8000",
                "--models",
                "2",
                "--features",
                "4",
                "--seed",
                "7",
                "--summary-json",
                summary.toString());
    assertEquals(0, exit);
    JsonNode s = new ObjectMapper().readTree(Files.readString(summary));
    assertEquals(8000, s.get("samples").asLong());
    assertEquals(0, s.get("deadLetters").asLong());
    assertEquals(2, s.get("models").size());
    JsonNode served = s.get("predictions");
    assertEquals(1000, served.get("requests").asLong());
    assertEquals(
        1000,
        served.get("count").asLong() + served.get("deadLetters").asLong(),
        "every request accounted for: " + served);
    assertEquals(1000, served.get("count").asLong(), served.toString());
    assertTrue(served.get("maxAbsError").asDouble() < 0.5, served.toString());
    assertTrue(served.get("meanAbsError").asDouble() < 0.1, served.toString());
    assertEquals(125, served.get("modelVersions").get(0).asLong(), "the final versions answer");
    assertEquals(125, served.get("modelVersions").get(1).asLong());
    for (JsonNode m : s.get("models")) {
      assertEquals(4000, m.get("samplesSeen").asLong(), m.get("modelId").asText());
      assertEquals(125, m.get("version").asLong(), "4000 samples in batches of 32");
      assertTrue(m.get("maxAbsWeightError").asDouble() < 0.05, m.toString());
      assertEquals(4, m.get("weights").size());
      assertEquals(4, m.get("trueWeights").size());
    }
  }

  @Test
  void everyBadRecordIsAccountedForAndTheModelsStillConverge(@TempDir Path dir) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    Path summary = dir.resolve("summary.json");
    int exit =
        new CommandLine(new StreamgradCli())
            .execute(
                "local",
                "--samples",
                "8000",
                "--models",
                "2",
                "--features",
                "4",
                "--seed",
                "9",
                "--corrupt-fraction",
                "0.01",
                "--summary-json",
                summary.toString());
    assertEquals(0, exit);
    JsonNode s = new ObjectMapper().readTree(Files.readString(summary));
    long seen = 0;
    for (JsonNode m : s.get("models")) {
      seen += m.get("samplesSeen").asLong();
      assertTrue(m.get("maxAbsWeightError").asDouble() < 0.05, m.toString());
      for (JsonNode w : m.get("weights")) {
        assertTrue(w.isNumber() && Double.isFinite(w.asDouble()), "finite weights: " + m);
      }
    }
    long dead = s.get("deadLetters").asLong();
    assertTrue(dead > 40, "about 1% of 8000: " + dead);
    assertEquals(8000, seen + dead, "samplesSeen + deadLetters == produced, exactly");
    JsonNode byReason = s.get("deadLettersByReason");
    for (io.streamgrad.jobs.demo.CorruptRecords.Kind kind :
        io.streamgrad.jobs.demo.CorruptRecords.Kind.values()) {
      String reason = kind.reason != null ? kind.reason : "wrong feature count: expected 4, got 3";
      assertTrue(
          byReason.has(reason) && byReason.get(reason).asLong() > 0, reason + " in " + byReason);
    }
  }

  @Test
  void exactlyOnceDeliveryCommitsEverything(@TempDir Path dir) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    Path summary = dir.resolve("summary.json");
    int exit =
        new CommandLine(new StreamgradCli())
            .execute(
                "local",
                "--samples",
                "4000",
                "--models",
                "2",
                "--features",
                "4",
                "--seed",
                "5",
                "--delivery",
                "exactly-once",
                "--corrupt-fraction",
                "0.01",
                "--summary-json",
                summary.toString());
    assertEquals(0, exit);
    JsonNode s = new ObjectMapper().readTree(Files.readString(summary));
    long seen = 0;
    for (JsonNode m : s.get("models")) {
      seen += m.get("samplesSeen").asLong();
      assertEquals(
          (m.get("samplesSeen").asLong() + 31) / 32,
          m.get("version").asLong(),
          "no lost or repeated update");
    }
    assertEquals(
        4000,
        seen + s.get("deadLetters").asLong(),
        "read_committed sees every snapshot and dead letter");
  }

  private static JsonNode runLocal(Path summary, String... extra) throws Exception {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "local",
                "--samples",
                "6000",
                "--models",
                "2",
                "--features",
                "4",
                "--seed",
                "21",
                "--summary-json",
                summary.toString()));
    args.addAll(java.util.List.of(extra));
    assertEquals(0, new CommandLine(new StreamgradCli()).execute(args.toArray(new String[0])));
    return new ObjectMapper().readTree(Files.readString(summary));
  }

  @Test
  void threeInjectedFailuresEndBitIdenticalToAFailureFreeRun(@TempDir Path dir) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    // With every piece of state a model has: standardization, metrics and the drift test.
    String[] quality = {
      "--preprocess", "standardize", "--drift", "page-hinkley", "--drift-min-samples", "30"
    };
    JsonNode clean = runLocal(dir.resolve("clean.json"), quality);
    java.util.List<String> chaosArgs = new java.util.ArrayList<>(java.util.List.of(quality));
    chaosArgs.addAll(
        java.util.List.of("--fail-after", "1000,2500,4000", "--delivery", "exactly-once"));
    JsonNode chaos = runLocal(dir.resolve("chaos.json"), chaosArgs.toArray(new String[0]));
    assertEquals(0, clean.get("restarts").asInt());
    assertEquals(3, chaos.get("restarts").asInt());
    assertEquals(clean.get("models").size(), chaos.get("models").size());
    for (int i = 0; i < clean.get("models").size(); i++) {
      JsonNode a = clean.get("models").get(i);
      JsonNode b = chaos.get("models").get(i);
      assertEquals(a.get("modelId"), b.get("modelId"));
      assertEquals(a.get("samplesSeen"), b.get("samplesSeen"), "samplesSeen exact");
      assertEquals(a.get("version"), b.get("version"), "version exact");
      // Each float printed in full: equal text means equal bits.
      assertEquals(
          a.get("weights").toString(), b.get("weights").toString(), "weights bit-identical");
      assertEquals(a.get("bias").toString(), b.get("bias").toString(), "raw-space bias too");
      assertEquals(
          a.get("metrics").toString(), b.get("metrics").toString(), "metrics bit-identical");
      assertEquals(a.get("drifts").toString(), b.get("drifts").toString());
      assertTrue(a.get("metrics").get("windowRmse").asDouble() < 1, a.toString());
      assertEquals(0, b.get("duplicateSnapshots").asInt(), "exactly-once: no version seen twice");
      long v = b.get("version").asLong();
      assertEquals(
          v / 10 + (v % 10 == 0 ? 0 : 1),
          b.get("snapshots").asLong(),
          "every 10th version and the final one, none missing");
    }
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : new String[] {"train", "produce", "watch", "local"}) {
      java.io.StringWriter out = new java.io.StringWriter();
      CommandLine cli = new CommandLine(new StreamgradCli());
      cli.setOut(new java.io.PrintWriter(out));
      assertEquals(0, cli.execute(command, "--help"));
      assertTrue(out.toString().contains("Usage: streamgrad " + command), out.toString());
    }
  }

  @Test
  void kafkaPropertyValuesAreNeverPrinted() {
    KafkaOptions k = new KafkaOptions();
    new CommandLine(k)
        .parseArgs(
            "--kafka-property", "sasl.jaas.config=secret-password", "--bootstrap-servers", "h:1");
    assertTrue(k.toString().contains("sasl.jaas.config"));
    assertTrue(!k.toString().contains("secret-password"), k.toString());
  }
}
