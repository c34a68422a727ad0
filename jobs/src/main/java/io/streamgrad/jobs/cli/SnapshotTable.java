package io.streamgrad.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.Printable;
import io.streamgrad.schemas.QualityMetrics;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The snapshot table {@code watch} and {@code local} print: model, version, samples, batch loss,
 * prequential loss, the head of the weights and the distance to known true weights. Keeps each
 * model's latest snapshot; with many models, prints a bounded selection of them.
 */
final class SnapshotTable {
  private final PrintStream out;
  private final Map<String, float[]> trueWeights;
  private final boolean printEach;
  private boolean headerPrinted;
  final Map<String, WeightSnapshot> latest = new TreeMap<>();

  /** Each sparse model's tables, as its snapshots rebuild them. */
  final Map<String, SparseModelAssembler> sparseModels = new TreeMap<>();

  /** A table that prints every snapshot as it comes. */
  SnapshotTable(PrintStream out, Map<String, float[]> trueWeights) {
    this(out, trueWeights, true);
  }

  /** With {@code printEach} false nothing is printed until {@link #printModels}. */
  SnapshotTable(PrintStream out, Map<String, float[]> trueWeights, boolean printEach) {
    this.out = out;
    this.trueWeights = trueWeights;
    this.printEach = printEach;
    if (printEach) {
      header();
    }
  }

  private void header() {
    headerPrinted = true;
    out.printf(
        "%-12s %8s %10s %12s %12s %16s %6s  %-40s %s%n",
        "model",
        "version",
        "samples",
        "batch loss",
        "preq. loss",
        "window metric",
        "drifts",
        "weights (head)",
        "max |w - w*|");
  }

  void row(WeightSnapshot s) {
    String sparse = null;
    if (s.getSparse() != null) {
      sparse = sparseCell(s);
      if (sparse == null) {
        return; // a version whose other parts are still to come
      }
    }
    s.setSparse(null); // the table shows the dense side and the metrics
    if (s.getStandardization() != null) {
      // Weights of the raw features, comparable with the truth whatever the preprocessing.
      float[] raw = SnapshotModels.rawLinear(s);
      s.setWeights(FloatLists.boxed(java.util.Arrays.copyOf(raw, raw.length - 1)));
      s.setBias(raw[raw.length - 1]);
    }
    // Kept for a million models in local runs: the table needs the weights, not every tensor.
    s.setParameters(List.of());
    s.setOptimizerState(null);
    latest.put(s.getModelId(), s);
    if (printEach) {
      print(s, sparse);
    }
  }

  /**
   * Applies one record of a sparse model's snapshots to its tables ({@link SparseModelAssembler});
   * what the row says of them once its version is complete, or null until then.
   */
  private String sparseCell(WeightSnapshot s) {
    SparseModelAssembler a =
        sparseModels.computeIfAbsent(s.getModelId(), k -> new SparseModelAssembler());
    long gaps = a.gaps();
    try {
      if (a.accept(s)) {
        return "sparse: " + nonZero(a.model()) + " non-zero";
      }
    } catch (IllegalArgumentException e) {
      return "sparse: unreadable update (" + e.getMessage() + ")";
    }
    return a.gaps() > gaps
        ? "sparse: gap, version " + a.version() + " held until a full update"
        : null;
  }

  /** The non-zero values of {@code model}'s sparse tables. */
  static long nonZero(Model model) {
    long n = 0;
    for (Tensor t : model.sparseTables()) {
      for (float v : t.storage()) {
        n += v != 0f ? 1 : 0;
      }
    }
    return n;
  }

  private void print(WeightSnapshot s, String sparse) {
    if (!headerPrinted) {
      header();
    }
    StringBuilder head = new StringBuilder();
    List<Float> w = s.getWeights();
    for (int i = 0; i < Math.min(4, w.size()); i++) {
      head.append(String.format("%8.4f", w.get(i)));
    }
    if (w.size() > 4) {
      head.append(" ...");
    }
    float[] t = truth(s);
    String dist = t == null ? "" : String.format("%.4f", maxAbsError(w, t));
    out.printf(
        "%-12s %8d %10d %12.5f %12.5f %16s %6d  %-40s %s%n",
        Printable.escape(s.getModelId()),
        s.getVersion(),
        s.getSamplesSeen(),
        s.getBatchLoss(),
        s.getPrequentialLoss(),
        windowMetric(s.getMetrics()),
        s.getDrifts().size(),
        head,
        dist + (sparse == null ? "" : "  " + sparse));
  }

  /**
   * The true dense weights of {@code s}'s model, or null when there are none to compare with (not
   * known, or a sparse model's: a distance over no weights would read 0.0000).
   */
  private float[] truth(WeightSnapshot s) {
    float[] t = trueWeights.get(s.getModelId());
    return t == null || t.length == 0 ? null : t;
  }

  /** The windowed metric a reader looks at first: AUC for a classifier, RMSE otherwise. */
  static String windowMetric(QualityMetrics m) {
    if (m == null) {
      return "";
    }
    if (m.getWindowAuc() != null) {
      return String.format("auc %.4f", m.getWindowAuc());
    }
    return m.getWindowRmse() == null ? "" : String.format("rmse %.4f", m.getWindowRmse());
  }

  /** How far a model is from the truth, or its prequential loss when the truth is unknown. */
  double badness(WeightSnapshot s) {
    float[] t = truth(s);
    double b = t == null ? s.getPrequentialLoss() : maxAbsError(s.getWeights(), t);
    return Double.isNaN(b) ? Double.POSITIVE_INFINITY : b;
  }

  /**
   * The models to show in full: all of them when there are at most {@code limit}; otherwise the
   * {@code limit / 2} worst and the best ones (by {@link #badness}), worst first.
   */
  List<WeightSnapshot> shown(int limit) {
    List<WeightSnapshot> all = new ArrayList<>(latest.values());
    if (all.size() <= limit) {
      return all;
    }
    all.sort(Comparator.comparingDouble(this::badness).reversed());
    int worst = (limit + 1) / 2;
    List<WeightSnapshot> out = new ArrayList<>(all.subList(0, worst));
    out.addAll(all.subList(all.size() - (limit - worst), all.size()));
    return out;
  }

  /**
   * Each model's latest snapshot, bounded to {@code limit} rows: with more models, the worst and
   * best ones and a line with the spread over all of them.
   */
  void printModels(int limit) {
    List<WeightSnapshot> shown = shown(limit);
    if (shown.size() < latest.size()) {
      out.printf(
          "%,d models; the %d worst and %d best by %s:%n",
          latest.size(),
          (limit + 1) / 2,
          limit - (limit + 1) / 2,
          trueWeights.isEmpty() ? "prequential loss" : "max |w - w*|");
    }
    for (WeightSnapshot s : shown) {
      SparseModelAssembler a = sparseModels.get(s.getModelId());
      print(
          s, a == null || a.model() == null ? null : "sparse: " + nonZero(a.model()) + " non-zero");
    }
    if (shown.size() < latest.size()) {
      double[] b = latest.values().stream().mapToDouble(this::badness).sorted().toArray();
      out.printf(
          "%s over all %,d models: min %.4f, median %.4f, max %.4f%n",
          trueWeights.isEmpty() ? "prequential loss" : "max |w - w*|",
          b.length,
          b[0],
          b[b.length / 2],
          b[b.length - 1]);
    }
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
