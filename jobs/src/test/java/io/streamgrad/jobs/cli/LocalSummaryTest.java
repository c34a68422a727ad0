package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code local --summary-json} at a million models ran out of memory: the summary was one string.
 * It is written model by model now; no write is larger than a chunk.
 */
class LocalSummaryTest {

  /** Records the largest single write, and keeps the text for parsing. */
  private static final class ChunkWatch extends Writer {
    final StringWriter text = new StringWriter();
    int largest;
    int writes;

    @Override
    public void write(char[] buf, int off, int len) {
      largest = Math.max(largest, len);
      writes++;
      text.write(buf, off, len);
    }

    @Override
    public Writer append(CharSequence cs) {
      largest = Math.max(largest, cs.length());
      writes++;
      text.append(cs);
      return this;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void theSummaryIsWrittenModelByModel() throws IOException {
    int models = 20_000;
    Map<String, WeightSnapshot> latest = new TreeMap<>();
    Map<String, float[]> truth = new HashMap<>();
    for (int m = 0; m < models; m++) {
      String id = "model-" + m;
      latest.put(
          id,
          WeightSnapshot.newBuilder()
              .setModelId(id)
              .setVersion(7)
              .setWeights(List.of(0.5f, -1f, (float) m))
              .setBias(0.25f)
              .setParameters(List.of())
              .setSamplesSeen(640)
              .setBatchLoss(0.1f)
              .setPrequentialLoss(0.2)
              .setGradNorm(0.01f)
              .setLearningRate(0.05f)
              .setOptimizer("sgd")
              .setTimestamp(Instant.EPOCH)
              .build());
      truth.put(id, new float[] {0.5f, -1f, m});
    }
    ChunkWatch out = new ChunkWatch();
    LocalSummary.write(
        out,
        new SampleProducer.Result(models * 640L, 0, truth, Map.of()),
        models * 640L,
        0,
        Map.of(),
        0,
        1.5,
        latest,
        Map.of(),
        null,
        Map.of(),
        Map.of(),
        Map.of());
    int total = out.text.getBuffer().length();
    assertTrue(total > 4_000_000, "a summary of " + models + " models: " + total + " chars");
    assertTrue(out.largest < 100_000, "largest write " + out.largest + " of " + total);
    JsonNode json = new ObjectMapper().readTree(out.text.toString());
    assertEquals(models, json.get("models").size());
    assertEquals("model-9999", json.get("models").get(models - 1).get("modelId").asText());
    assertEquals(640, json.get("models").get(3).get("samplesSeen").asLong());
  }
}
