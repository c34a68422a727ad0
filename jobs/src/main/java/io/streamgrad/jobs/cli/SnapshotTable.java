package io.streamgrad.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The snapshot table {@code watch} and {@code local} print: model, version, samples, batch loss,
 * prequential loss, the head of the weights and the distance to known true weights. Keeps each
 * model's latest snapshot.
 */
final class SnapshotTable {
  private final PrintStream out;
  private final Map<String, float[]> trueWeights;
  final Map<String, WeightSnapshot> latest = new TreeMap<>();

  SnapshotTable(PrintStream out, Map<String, float[]> trueWeights) {
    this.out = out;
    this.trueWeights = trueWeights;
    out.printf(
        "%-12s %8s %10s %12s %12s  %-40s %s%n",
        "model",
        "version",
        "samples",
        "batch loss",
        "preq. loss",
        "weights (head)",
        "max |w - w*|");
  }

  void row(WeightSnapshot s) {
    latest.put(s.getModelId(), s);
    StringBuilder head = new StringBuilder();
    List<Float> w = s.getWeights();
    for (int i = 0; i < Math.min(4, w.size()); i++) {
      head.append(String.format("%8.4f", w.get(i)));
    }
    if (w.size() > 4) {
      head.append(" ...");
    }
    float[] t = trueWeights.get(s.getModelId());
    String dist = t == null ? "" : String.format("%.4f", maxAbsError(w, t));
    out.printf(
        "%-12s %8d %10d %12.5f %12.5f  %-40s %s%n",
        s.getModelId(),
        s.getVersion(),
        s.getSamplesSeen(),
        s.getBatchLoss(),
        s.getPrequentialLoss(),
        head,
        dist);
  }

  static Map<String, float[]> readWeights(Path file) throws IOException {
    var tree = new ObjectMapper().readTree(file.toFile());
    Map<String, float[]> out = new TreeMap<>();
    tree.fields()
        .forEachRemaining(
            e -> {
              float[] w = new float[e.getValue().size()];
              for (int i = 0; i < w.length; i++) {
                w[i] = (float) e.getValue().get(i).asDouble();
              }
              out.put(e.getKey(), w);
            });
    return out;
  }

  static double maxAbsError(List<Float> w, float[] t) {
    double m = 0;
    for (int i = 0; i < t.length; i++) {
      m = Math.max(m, Math.abs(w.get(i) - t[i]));
    }
    return m;
  }
}
