package io.streamgrad.benchmarks;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.nn.CtrSimulation;
import io.streamgrad.schemas.FeatureHashing;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The rows of the sparse step benchmarks: simulated impressions ({@link CtrSimulation} defaults:
 * 10^6 Zipf tokens, 30 per row) hashed into 2^24 coordinates, with clicks. {@code main(file)}
 * writes them for the Python side (little-endian: int32 rows, int32 nnz, int32 offsets[rows + 1],
 * int32 indices[nnz], float32 labels[rows]; every value is 1), so both sides step over the same
 * rows; an index modulo 2^20 is the index in a 2^20 space.
 */
public final class SparseRows {

  public static final int ROWS = 1 << 16;
  public static final int BITS = 24;

  final int[] offsets;
  final int[] indices;
  final float[] labels;

  private SparseRows(int[] offsets, int[] indices, float[] labels) {
    this.offsets = offsets;
    this.indices = indices;
    this.labels = labels;
  }

  /** The benchmark's rows, the same on every call. */
  public static SparseRows generate() {
    CtrSimulation sim = CtrSimulation.standard(42);
    int[] hashed = new int[sim.distinct()];
    for (int id = 0; id < hashed.length; id++) {
      hashed[id] = FeatureHashing.index(CtrSimulation.token(id), BITS);
    }
    SplittableRandom rnd = new SplittableRandom(43);
    int active = sim.active();
    int[] offsets = new int[ROWS + 1];
    int[] indices = new int[ROWS * active];
    float[] labels = new float[ROWS];
    int[] ids = new int[active];
    for (int r = 0; r < ROWS; r++) {
      double logit = sim.draw(rnd, ids);
      labels[r] = CtrSimulation.click(rnd, logit);
      for (int k = 0; k < active; k++) {
        indices[r * active + k] = hashed[ids[k]];
      }
      offsets[r + 1] = (r + 1) * active;
    }
    return new SparseRows(offsets, indices, labels);
  }

  /** Fills {@code batch} with rows {@code [from, from + n)}, indices masked to {@code bits}. */
  void fill(SparseBatch batch, int from, int n, int bits, float[] y) {
    int mask = (1 << bits) - 1;
    batch.clear();
    for (int r = from; r < from + n; r++) {
      for (int k = offsets[r]; k < offsets[r + 1]; k++) {
        batch.add(indices[k] & mask, 1f);
      }
      batch.endRow();
      y[r - from] = labels[r];
    }
  }

  public static void main(String[] args) throws IOException {
    SparseRows rows = generate();
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[0])))) {
      ByteBuffer b =
          ByteBuffer.allocate(
                  4 * (2 + rows.offsets.length + rows.indices.length + rows.labels.length))
              .order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(ROWS).putInt(rows.indices.length);
      for (int v : rows.offsets) {
        b.putInt(v);
      }
      for (int v : rows.indices) {
        b.putInt(v);
      }
      for (float v : rows.labels) {
        b.putFloat(v);
      }
      out.write(b.array());
    }
  }
}
