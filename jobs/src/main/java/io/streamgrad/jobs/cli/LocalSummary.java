package io.streamgrad.jobs.cli;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.jobs.format.Json;
import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.QualityMetrics;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The JSON summary of a {@code local} run ({@code --summary-json}): every model, by id. Written as
 * it is made, model by model: a million models' summary is never one string.
 */
final class LocalSummary {

  private LocalSummary() {}

  /** Writes what {@code body} writes to {@code file}. */
  @FunctionalInterface
  interface Body {
    void write(Writer out) throws IOException;
  }

  /**
   * Writes {@code file} whole or not at all: to a sibling first, then renamed into place, so that
   * whoever waits for the file never reads half of it.
   */
  static void writeAtomically(Path file, Body body) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      body.write(out);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Flushed to the file whenever this much is pending. */
  private static final int CHUNK_CHARS = 1 << 16;

  static void write(
      Writer out,
      SampleProducer.Result produced,
      long seen,
      long dead,
      Map<String, Long> byReason,
      int restarts,
      double seconds,
      Map<String, WeightSnapshot> latest,
      Map<String, List<Long>> versions,
      LocalCommand.Served served,
      Map<String, List<DriftEvent>> drifts,
      Map<String, Long> gated,
      Map<String, SparseModelAssembler> sparseModels)
      throws IOException {
    StringBuilder b = new StringBuilder("{\n");
    b.append("  \"samples\": ").append(produced.produced()).append(",\n");
    b.append("  \"samplesSeen\": ").append(seen).append(",\n");
    b.append("  \"deadLetters\": ").append(dead).append(",\n");
    b.append("  \"deadLettersByReason\": ").append(Json.counts(byReason)).append(",\n");
    b.append("  \"restarts\": ").append(restarts).append(",\n");
    b.append("  \"seconds\": ").append(Json.number(seconds)).append(",\n");
    if (served != null) {
      b.append("  \"predictions\": ").append(served.json()).append(",\n");
    }
    b.append("  \"models\": [");
    int i = 0;
    for (Map.Entry<String, WeightSnapshot> e : latest.entrySet()) {
      WeightSnapshot s = e.getValue();
      float[] truth = produced.trueWeights().get(e.getKey());
      b.append(i++ == 0 ? "\n" : ",\n")
          .append("    {\"modelId\": ")
          .append(Json.string(e.getKey()))
          .append(", \"samplesSeen\": ")
          .append(s.getSamplesSeen())
          .append(", \"version\": ")
          .append(s.getVersion())
          .append(", \"finalLoss\": ")
          .append(Json.number(s.getBatchLoss()))
          .append(", \"snapshots\": ")
          .append(versions.getOrDefault(e.getKey(), List.of()).size())
          .append(", \"duplicateSnapshots\": ")
          .append(duplicates(versions.getOrDefault(e.getKey(), List.of())))
          .append(", \"maxAbsWeightError\": ")
          .append(
              truth == null || truth.length == 0 // a sparse model's truth has no dense weights
                  ? "null"
                  : Json.number(SnapshotTable.maxAbsError(s.getWeights(), truth)))
          .append(", \"weights\": ")
          .append(Json.array(FloatLists.unboxed(s.getWeights())))
          .append(", \"trueWeights\": ")
          .append(truth == null ? "null" : Json.array(truth))
          .append(", \"bias\": ")
          .append(Json.number(s.getBias()))
          .append(", \"trueBias\": ")
          .append(
              produced.trueBias().containsKey(e.getKey())
                  ? Json.number(produced.trueBias().get(e.getKey()))
                  : "null")
          .append(", \"metrics\": ")
          .append(metricsJson(s.getMetrics()))
          .append(clickJson(s, produced.trueModel().get(e.getKey())))
          .append(tablesJson(sparseModels.get(e.getKey())))
          .append(", \"drifts\": ")
          .append(driftsJson(s, drifts.get(e.getKey())))
          .append(", \"gatedSnapshots\": ")
          .append(gated.getOrDefault(e.getKey(), s.getGatedSnapshots()))
          .append('}');
      if (b.length() >= CHUNK_CHARS) {
        out.append(b);
        b.setLength(0);
      }
    }
    out.append(b.append("\n  ]\n}\n"));
    out.flush();
  }

  /**
   * A sparse model's tables as its snapshots rebuild them: the version, the non-zero weights and a
   * checksum of every value's bits (equal checksums: equal tables, for exactly-once checks).
   */
  private static String tablesJson(SparseModelAssembler a) {
    if (a == null) {
      return "";
    }
    if (a.model() == null) {
      return ", \"tables\": null";
    }
    long hash = 1125899906842597L;
    for (Tensor t : a.model().sparseTables()) {
      for (float v : t.storage()) {
        hash = 31 * hash + Float.floatToRawIntBits(v);
      }
    }
    long nonZero = SnapshotTable.nonZero(a.model());
    return ", \"tables\": {\"version\": "
        + a.version()
        + ", \"nonZero\": "
        + nonZero
        + ", \"checksum\": \""
        + Long.toHexString(hash)
        + "\", \"gaps\": "
        + a.gaps()
        + "}";
  }

  /**
   * For click data: the learned AUC and log loss beside the true model's, over the same samples.
   */
  private static String clickJson(WeightSnapshot s, PrequentialMetrics truth) {
    if (truth == null) {
      return "";
    }
    QualityMetrics m = s.getMetrics();
    return ", \"auc\": "
        + (m == null ? "null" : Json.number(m.getAuc()))
        + ", \"logLoss\": "
        + (m == null ? "null" : Json.number(m.getLogLoss()))
        + ", \"trueModelAuc\": "
        + Json.number(truth.auc(false))
        + ", \"trueModelLogLoss\": "
        + Json.number(truth.logLoss(false));
  }

  static String metricsJson(QualityMetrics m) {
    if (m == null) {
      return "null";
    }
    return "{\"samples\": "
        + m.getSamples()
        + metric("mae", m.getMae())
        + metric("rmse", m.getRmse())
        + metric("logLoss", m.getLogLoss())
        + metric("accuracy", m.getAccuracy())
        + metric("auc", m.getAuc())
        + metric("windowMae", m.getWindowMae())
        + metric("windowRmse", m.getWindowRmse())
        + metric("windowLogLoss", m.getWindowLogLoss())
        + metric("windowAccuracy", m.getWindowAccuracy())
        + metric("windowAuc", m.getWindowAuc())
        + "}";
  }

  private static String metric(String name, Double v) {
    return v == null ? "" : ", \"" + name + "\": " + Json.number(v);
  }

  /** The sample counts of the drift events read, or those the snapshot lists. */
  private static String driftsJson(WeightSnapshot s, List<DriftEvent> events) {
    StringBuilder b = new StringBuilder("[");
    if (events != null) {
      for (int i = 0; i < events.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(events.get(i).getSamplesSeen());
      }
    } else {
      for (int i = 0; i < s.getDrifts().size(); i++) {
        b.append(i == 0 ? "" : ", ").append(s.getDrifts().get(i));
      }
    }
    return b.append(']').toString();
  }

  static long duplicates(List<Long> versions) {
    return versions.size() - versions.stream().distinct().count();
  }
}
