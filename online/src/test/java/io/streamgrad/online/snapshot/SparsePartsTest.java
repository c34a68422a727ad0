package io.streamgrad.online.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.online.train.SparseRows;
import io.streamgrad.schemas.SparseTable;
import io.streamgrad.schemas.SparseUpdate;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A sparse snapshot larger than one record: parts within the bound, every row once, in order. */
class SparsePartsTest {

  @Test
  void rowsSplitIntoPartsWithinTheBoundAndBackInOrder() {
    int n1 = 150_000; // width 1: more than two parts' worth
    int n2 = 20_000; // width 4: 80,000 values, across a part boundary
    int[] rows1 = new int[n1];
    float[] v1 = new float[n1];
    for (int k = 0; k < n1; k++) {
      rows1[k] = 3 * k;
      v1[k] = k * 0.5f;
    }
    int[] rows2 = new int[n2];
    float[] v2 = new float[4 * n2];
    for (int k = 0; k < n2; k++) {
      rows2[k] = 2 * k + 1;
      for (int j = 0; j < 4; j++) {
        v2[4 * k + j] = k + j * 0.25f;
      }
    }
    List<SparseUpdate> parts =
        Snapshots.sparseParts(
            new SparseRows(
                false,
                41,
                new String[] {"sparse.weight", "factors"},
                new int[][] {{1 << 20, 1}, {1 << 20, 4}},
                new int[][] {rows1, rows2},
                new float[][] {v1, v2}));
    int total = n1 + 4 * n2;
    assertEquals(
        (total + Snapshots.MAX_VALUES_PER_PART - 1) / Snapshots.MAX_VALUES_PER_PART, parts.size());
    List<Integer> got1 = new ArrayList<>();
    List<Float> vals2 = new ArrayList<>();
    for (int p = 0; p < parts.size(); p++) {
      SparseUpdate u = parts.get(p);
      assertEquals(p, u.getPart());
      assertEquals(parts.size(), u.getParts());
      assertEquals(41, u.getBaseVersion());
      int values = 0;
      for (SparseTable t : u.getTables()) {
        values += t.getCount() * t.getWidth();
        var idx = t.getIndices().duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        var val = t.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        assertEquals(t.getCount(), idx.remaining());
        assertEquals(t.getCount() * t.getWidth(), val.remaining());
        if (t.getName().equals("sparse.weight")) {
          while (idx.hasRemaining()) {
            got1.add(idx.get());
          }
        } else {
          while (val.hasRemaining()) {
            vals2.add(val.get());
          }
        }
      }
      assertTrue(values <= Snapshots.MAX_VALUES_PER_PART, "part " + p + ": " + values + " values");
    }
    assertEquals(n1, got1.size());
    for (int k = 0; k < n1; k++) {
      assertEquals(3 * k, (int) got1.get(k));
    }
    assertEquals(4 * n2, vals2.size());
    for (int i = 0; i < vals2.size(); i++) {
      assertEquals(v2[i], vals2.get(i), 0f);
    }
  }
}
