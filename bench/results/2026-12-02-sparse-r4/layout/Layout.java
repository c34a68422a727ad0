package io.streamgrad.benchmarks;

import io.streamgrad.autograd.SparseBatch;
import java.util.Arrays;

/** Hand-written FTRL logistic step, separate arrays (w | z,n) vs one interleaved [w,z,n,pad] table. */
public class Layout {
  static final int SIGN = 0x80000000;
  static final float ALPHA = 0.1f, BETA = 1f, L1 = 1f, L2 = 1f;

  static abstract class Step {
    final int[] distinct = new int[8192]; final float[] sums = new float[8192]; final float[] n0s = new float[8192];
    final float[] logits = new float[64]; final float[] gvals = new float[8192];
    abstract float w(int i); abstract void touch(int[] idx, int n); abstract float n(int r); abstract void setN(int r, float v);
    abstract void update(int r, float n0, float g);
    float sink;
    void run(SparseBatch batch, float[] y) {
      int rows = batch.rows(); int[] idx = batch.indices(); float[] val = batch.values(); int[] off = batch.offsets();
      for (int b = 0; b < rows; b++) { float s = 0f; for (int k = off[b]; k < off[b + 1]; k++) s += val[k] * w(idx[k]); logits[b] = s; }
      for (int b = 0; b < rows; b++) { float d = (float) (1 / (1 + Math.exp(-logits[b]))) - y[b]; for (int k = off[b]; k < off[b + 1]; k++) gvals[k] = val[k] * d; }
      int entries = off[rows];
      touch(idx, entries);
      int m = 0;
      for (int k = 0; k < entries; k++) {
        int r = idx[k]; int n = Float.floatToRawIntBits(n(r)); int isNew = ~n >>> 31; int keep = isNew - 1;
        int j = (isNew * m) | (keep & n & ~SIGN);
        n0s[m] = n(r); setN(r, Float.intBitsToFloat(j | SIGN)); distinct[m] = r;
        sums[j] = Float.intBitsToFloat(Float.floatToRawIntBits(sums[j]) & keep) + gvals[k]; m += isNew;
      }
      for (int j = 0; j < m; j++) update(distinct[j], n0s[j], sums[j]);
    }
    static float weight(float z, float sqrtN) {
      float excess = Math.abs(z) - L1; int e = Float.floatToRawIntBits(excess); int keep = (-e & ~e) >> 31;
      float w = -Math.copySign(excess, z) / ((BETA + sqrtN) / ALPHA + L2);
      return Float.intBitsToFloat(Float.floatToRawIntBits(w) & keep);
    }
  }
  static final class Separate extends Step {
    final float[] w, zn;
    Separate(int bits) { w = new float[1 << bits]; zn = new float[2 << bits]; }
    float w(int i) { return w[i]; }
    void touch(int[] idx, int n) { float t = 0; for (int k = 0; k < n; k++) t += zn[2 * idx[k]]; sink += t; }
    float n(int r) { return zn[2 * r + 1]; } void setN(int r, float v) { zn[2 * r + 1] = v; }
    void update(int r, float n0, float g) {
      float n1 = n0 + g * g; float s1 = (float) Math.sqrt(n1); float sigma = (s1 - (float) Math.sqrt(n0)) / ALPHA;
      float z1 = zn[2 * r] + g - sigma * w[r]; zn[2 * r] = z1; zn[2 * r + 1] = n1; w[r] = weight(z1, s1);
    }
  }
  static final class Interleaved extends Step {
    final float[] t;
    Interleaved(int bits) { t = new float[4 << bits]; }
    float w(int i) { return t[4 * i]; }
    void touch(int[] idx, int n) { } // the forward brought the lines
    float n(int r) { return t[4 * r + 2]; } void setN(int r, float v) { t[4 * r + 2] = v; }
    void update(int r, float n0, float g) {
      int c = 4 * r;
      float n1 = n0 + g * g; float s1 = (float) Math.sqrt(n1); float sigma = (s1 - (float) Math.sqrt(n0)) / ALPHA;
      float z1 = t[c + 1] + g - sigma * t[c]; t[c + 1] = z1; t[c + 2] = n1; t[c] = weight(z1, s1);
    }
  }

  public static void main(String[] args) {
    SparseRows rows = SparseRows.generate();
    int batch = 64;
    for (String a : args) {
      int bits = Integer.parseInt(a);
      int count = 512;
      SparseBatch[] batches = new SparseBatch[count]; float[][] labels = new float[count][batch];
      for (int b = 0; b < count; b++) { batches[b] = new SparseBatch(); rows.fill(batches[b], b * batch, batch, bits, labels[b]); }
      Step[] v = {new Separate(bits), new Interleaved(bits)};
      int blocks = 40, per = 1000; double[][] us = new double[2][blocks]; int[] at = new int[2];
      for (int blk = -5; blk < blocks; blk++) for (int v0 = 0; v0 < 2; v0++) {
        int x = (v0 + Math.max(blk, 0)) % 2; long t0 = System.nanoTime();
        for (int s = 0; s < per; s++) { int b = at[x]++ % count; v[x].run(batches[b], labels[b]); }
        if (blk >= 0) us[x][blk] = (System.nanoTime() - t0) / 1e3 / per;
      }
      // The memory floor: one pass of independent loads over the step's entries (interleaved table).
      float[] tt = ((Interleaved) v[1]).t; long f0 = System.nanoTime(); float fs = 0;
      for (int s = 0; s < 40000; s++) { SparseBatch bb = batches[s % count]; int[] ix = bb.indices(); for (int k = 0, n = bb.offsets()[batch]; k < n; k++) fs += tt[4 * ix[k]]; }
      System.out.printf("  floor (independent loads of a step's entries): %.2f us %s%n", (System.nanoTime() - f0) / 1e3 / 40000, fs == 12345 ? "!" : "");
      double[] r = new double[blocks]; for (int k = 0; k < blocks; k++) r[k] = us[1][k] / us[0][k];
      double[] s0 = us[0].clone(), s1 = us[1].clone(); Arrays.sort(s0); Arrays.sort(s1); Arrays.sort(r);
      boolean same = true; Separate sp = (Separate) v[0]; Interleaved il = (Interleaved) v[1];
      for (int i = 0; i < sp.w.length; i++) if (sp.w[i] != il.t[4 * i]) { same = false; break; }
      System.out.printf("2^%d: separate %.2f us  interleaved %.2f us  paired %.3f  %s%n", bits, s0[blocks / 2], s1[blocks / 2], r[blocks / 2], same ? "same weights" : "DIFFER");
    }
  }
}
