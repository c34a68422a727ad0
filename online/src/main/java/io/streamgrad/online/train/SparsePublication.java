package io.streamgrad.online.train;

import io.streamgrad.nn.Model;
import java.util.Arrays;

/**
 * Which rows of a model's sparse tables its next snapshot carries: a full update first, after a
 * restore or a warm start, and every {@link #FULL_UPDATE_EVERY} publications; deltas (the rows
 * changed since the last publication) in between. Not in state: after a restore, a full update.
 */
final class SparsePublication {

  /** A full update every this many published snapshots; the others are deltas. */
  static final int FULL_UPDATE_EVERY = 100;

  private final Model model;
  private final SparseTables tables;
  private long lastPublishedVersion = -1;
  private int publishedSinceFull;

  SparsePublication(Model model, SparseTables tables) {
    this.model = model;
    this.tables = tables;
  }

  /** The next snapshot is a full update (its readers start again). */
  void fullNext() {
    lastPublishedVersion = -1;
  }

  /** The rows to publish with version {@code version}. */
  SparseRows take(long version) {
    boolean full = lastPublishedVersion < 0 || publishedSinceFull >= FULL_UPDATE_EVERY;
    int n = tables.tableCount();
    String[] names = new String[n];
    int[][] shapes = new int[n][];
    int[][] rows = new int[n][];
    float[][] values = new float[n][];
    for (int t = 0; t < n; t++) {
      names[t] = model.parameterNames().get(tables.paramIndex(t));
      shapes[t] = tables.shape(t);
      rows[t] = tables.takeRows(t, full);
      values[t] = tables.rowValues(t, rows[t]);
    }
    SparseRows out =
        new SparseRows(full, full ? -1 : lastPublishedVersion, names, shapes, rows, values);
    lastPublishedVersion = version;
    publishedSinceFull = full ? 1 : publishedSinceFull + 1;
    return out;
  }

  /**
   * Loads a warm start's rows over the tables, the optimizer's state for them made to match; the
   * next snapshot is a full update.
   *
   * @throws IllegalArgumentException if a table is not this model's or has another shape
   */
  void load(SparseRows warm) {
    for (int i = 0; i < warm.names().length; i++) {
      int p = model.parameterNames().indexOf(warm.names()[i]);
      int t = -1;
      for (int k = 0; k < tables.tableCount(); k++) {
        if (tables.paramIndex(k) == p) {
          t = k;
        }
      }
      if (t < 0 || !Arrays.equals(tables.shape(t), warm.shapes()[i])) {
        throw new IllegalArgumentException(
            "warm start: table "
                + warm.names()[i]
                + " "
                + Arrays.toString(warm.shapes()[i])
                + " does not fit this model");
      }
      tables.loadRows(t, warm.rows()[i], warm.values()[i]);
    }
    fullNext();
  }
}
