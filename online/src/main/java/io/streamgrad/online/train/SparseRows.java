package io.streamgrad.online.train;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import java.io.Serializable;
import java.util.List;

/**
 * What a snapshot publishes of a model's sparse tables: every non-zero row ({@code full}), or the
 * rows changed since the publication of version {@code baseVersion}; per table its name, shape,
 * rows (ascending) and their values.
 */
public record SparseRows(
    boolean full, long baseVersion, String[] names, int[][] shapes, int[][] rows, float[][] values)
    implements Serializable {

  /** Every non-zero row of {@code model}'s sparse tables (a warm start's). */
  public static SparseRows nonZero(Model model) {
    List<Tensor> tables = model.sparseTables();
    int n = tables.size();
    String[] names = new String[n];
    int[][] shapes = new int[n][];
    int[][] rows = new int[n][];
    float[][] values = new float[n][];
    for (int t = 0; t < n; t++) {
      Tensor table = tables.get(t);
      names[t] = model.parameterNames().get(model.parameters().indexOf(table));
      shapes[t] = table.shape();
      rows[t] = SparseTables.nonZeroRows(table);
      values[t] = SparseTables.rowValues(table, rows[t]);
    }
    return new SparseRows(true, -1, names, shapes, rows, values);
  }
}
