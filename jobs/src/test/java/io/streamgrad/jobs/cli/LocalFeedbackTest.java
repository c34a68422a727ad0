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

/**
 * {@code local --feedback}: a served click stream and its delayed outcomes through a real broker
 * and a MiniCluster — answered, joined in event time and learned from in one job.
 */
class LocalFeedbackTest {

  private static JsonNode runLocal(Path summary, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "local",
                "--feedback",
                "--samples",
                "20000",
                "--models",
                "2",
                "--seed",
                "5",
                "--summary-json",
                summary.toString()));
    args.addAll(List.of(extra));
    assertEquals(
        0, StreamgradCli.commandLine(new StreamgradCli()).execute(args.toArray(new String[0])));
    return new ObjectMapper().readTree(Files.readString(summary));
  }

  private static void everyEventAccountedFor(JsonNode run) {
    JsonNode f = run.get("feedback");
    long events = f.get("events").asLong();
    assertEquals(f.get("produced").get("events").asLong(), events, f.toString());
    assertEquals(events, f.get("joined").asLong() + f.get("expired").asLong(), f.toString());
    assertEquals(0, f.get("pending").asLong(), f.toString());
    assertEquals(f.get("produced").get("labels").asLong(), f.get("labels").asLong(), f.toString());
    for (JsonNode m : run.get("models")) {
      assertEquals(m.get("events").asLong(), m.get("predictions").asLong(), "each answered once");
      assertEquals(m.get("events").asLong(), m.get("scored").asLong(), m.toString());
    }
  }

  @Test
  void delaysWellInsideTheWindowLearnAsIfTheOutcomesCameAtOnce(@TempDir Path dir) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    JsonNode atOnce = runLocal(dir.resolve("at-once.json"), "--label-delay", "0s");
    JsonNode delayed = runLocal(dir.resolve("delayed.json"), "--label-delay", "30s");
    everyEventAccountedFor(atOnce);
    everyEventAccountedFor(delayed);
    assertEquals(0, delayed.get("feedback").get("deadLetters").asLong(), delayed.toString());
    for (int i = 0; i < 2; i++) {
      JsonNode a = atOnce.get("models").get(i);
      JsonNode d = delayed.get("models").get(i);
      assertTrue(a.get("trueModelAuc").asDouble() > 0.8, "the truth separates clicks: " + a);
      assertTrue(
          Math.abs(a.get("auc").asDouble() - d.get("auc").asDouble()) <= 0.005,
          "AUC with delays " + d.get("auc") + " vs at once " + a.get("auc"));
      assertTrue(
          a.get("auc").asDouble() > a.get("trueModelAuc").asDouble() - 0.02,
          "near the true model: " + a);
      assertTrue(d.get("servedAuc").asDouble() > 0.7, "what was served ranks clicks: " + d);
    }
  }

  @Test
  void threeInjectedFailuresEndBitForBitAsACleanRun(@TempDir Path dir) throws Exception {
    io.streamgrad.schemas.AvroTrust.install();
    String[] common = {
      "--label-delay", "1m", "--feedback-correction", "fnw", "--delivery", "exactly-once"
    };
    JsonNode clean = runLocal(dir.resolve("clean.json"), common);
    List<String> failing = new ArrayList<>(List.of(common));
    failing.addAll(List.of("--fail-after", "3000,9000,15000"));
    JsonNode failed = runLocal(dir.resolve("failed.json"), failing.toArray(new String[0]));
    assertEquals(3, failed.get("restarts").asInt(), failed.toString());
    everyEventAccountedFor(clean);
    everyEventAccountedFor(failed);
    assertEquals(clean.get("feedback"), failed.get("feedback"), "the same accounting");
    assertEquals(clean.get("models").size(), failed.get("models").size());
    for (int i = 0; i < clean.get("models").size(); i++) {
      JsonNode a = clean.get("models").get(i);
      JsonNode b = failed.get("models").get(i);
      for (String field :
          List.of(
              "modelId",
              "version",
              "samplesSeen",
              "weights",
              "bias",
              "joined",
              "expired",
              "servedLogLoss",
              "meanServedPrediction",
              "calibration")) {
        assertEquals(a.get(field), b.get(field), field + " of " + a.get("modelId"));
      }
    }
  }
}
