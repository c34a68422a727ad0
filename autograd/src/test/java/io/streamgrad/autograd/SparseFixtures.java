package io.streamgrad.autograd;

/**
 * The sparse test case checked against torch 2.13: a 6 x 3 weight, and a step's batch (a bag with a
 * repeated index, a second bag empty on even steps) and output coefficients.
 */
public final class SparseFixtures {

  private SparseFixtures() {}

  public static Tensor initial() {
    float[][] w = new float[6][3];
    for (int r = 0; r < 6; r++) {
      for (int j = 0; j < 3; j++) {
        w[r][j] = (float) (Math.sin(r * 3 + j) * 0.5);
      }
    }
    return Tensor.of(w);
  }

  public static SparseBatch batch(int s) {
    SparseBatch b = new SparseBatch();
    b.add(s % 6, 0.5f);
    b.add((s + 2) % 6, -1.5f);
    b.add(s % 6, 2.0f);
    b.endRow();
    if (s % 2 == 1) {
      b.add((s + 3) % 6, 1.25f);
    }
    b.endRow();
    return b;
  }

  public static Tensor coefficients(int s) {
    float[][] c = new float[2][3];
    for (int b = 0; b < 2; b++) {
      for (int j = 0; j < 3; j++) {
        c[b][j] = (float) Math.cos(b + j + s);
      }
    }
    return Tensor.of(c);
  }
}
