import jdk.incubator.vector.*;
import java.util.*;

public class FtrlProto {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.length() > 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_PREFERRED;
  static final float beta = 1f, l1 = 1f, l2 = 1f, invAlpha = 10f;
  static final int SIGN = 0x80000000;
  static float sink;
  // undo log
  static int[] uat = new int[4096]; static float[] uz = new float[4096], un = new float[4096], uw = new float[4096]; static int usize;

  static float weight(float z, float sqrtN) {
    float excess = Math.abs(z) - l1;
    int e = Float.floatToRawIntBits(excess);
    int keep = (-e & ~e) >> 31;
    float w = -Math.copySign(excess, z) / ((beta + sqrtN) * invAlpha + l2);
    return Float.intBitsToFloat(Float.floatToRawIntBits(w) & keep);
  }
  static float update(float[] acc, int c, float n0, float g, float w0) {
    float n1 = n0 + g * g;
    float sqrtN1 = (float) Math.sqrt(n1);
    float sigma = (sqrtN1 - (float) Math.sqrt(n0)) * invAlpha;
    float z1 = acc[c] + g - sigma * w0;
    acc[c] = z1;
    acc[c + 1] = Float.intBitsToFloat(Float.floatToRawIntBits(n1) & ~SIGN);
    return weight(z1, sqrtN1);
  }
  static void scalarStep(float[] w, float[] acc, int[] rows, float[] g, int m) {
    float t = 0; for (int k = 0; k < m; k++) t += acc[2 * rows[k]]; sink = t;
    usize = 0;
    for (int k = 0; k < m; k++) {
      int at = rows[k];
      uat[usize] = at; uz[usize] = acc[2*at]; un[usize] = acc[2*at+1]; uw[usize] = w[at]; usize++;
      w[at] = update(acc, 2 * at, acc[2 * at + 1], g[k], w[at]);
    }
  }
  static float[] zs = new float[4096], ns = new float[4096], ws = new float[4096];
  static void vectorStep(float[] w, float[] acc, int[] rows, float[] g, int m) {
    for (int k = 0; k < m; k++) { int r = rows[k]; zs[k] = acc[2*r]; ns[k] = acc[2*r+1]; ws[k] = w[r]; }
    System.arraycopy(rows, 0, uat, 0, m); System.arraycopy(zs, 0, uz, 0, m); System.arraycopy(ns, 0, un, 0, m); System.arraycopy(ws, 0, uw, 0, m); usize = m;
    int L = S.length(); int k = 0;
    FloatVector vInvA = FloatVector.broadcast(S, invAlpha), vBeta = FloatVector.broadcast(S, beta), vL1 = FloatVector.broadcast(S, l1), vL2 = FloatVector.broadcast(S, l2);
    for (; k <= m - L; k += L) {
      FloatVector n0 = FloatVector.fromArray(S, ns, k), gv = FloatVector.fromArray(S, g, k), z0 = FloatVector.fromArray(S, zs, k), w0 = FloatVector.fromArray(S, ws, k);
      FloatVector n1 = n0.add(gv.mul(gv));
      FloatVector s1 = n1.lanewise(VectorOperators.SQRT);
      FloatVector sigma = s1.sub(n0.lanewise(VectorOperators.SQRT)).mul(vInvA);
      FloatVector z1 = z0.add(gv).sub(sigma.mul(w0));
      IntVector n1i = n1.reinterpretAsInts().and(~SIGN);
      FloatVector excess = z1.abs().sub(vL1);
      IntVector e = excess.reinterpretAsInts();
      IntVector keep = e.neg().and(e.not()).lanewise(VectorOperators.ASHR, 31);
      IntVector zsign = z1.reinterpretAsInts().and(SIGN);
      // -copySign(excess, z) = magnitude of excess with sign opposite of z
      FloatVector signed = excess.reinterpretAsInts().and(~SIGN).or(zsign).reinterpretAsFloats().neg();
      FloatVector wv = signed.div(vBeta.add(s1).mul(vInvA).add(vL2));
      z1.intoArray(zs, k); n1i.reinterpretAsFloats().intoArray(ns, k); wv.reinterpretAsInts().and(keep).reinterpretAsFloats().intoArray(ws, k);
    }
    for (; k < m; k++) {
      float n0 = ns[k], gg = g[k];
      float n1 = n0 + gg * gg; float s1 = (float) Math.sqrt(n1);
      float sigma = (s1 - (float) Math.sqrt(n0)) * invAlpha;
      float z1 = zs[k] + gg - sigma * ws[k];
      zs[k] = z1; ns[k] = Float.intBitsToFloat(Float.floatToRawIntBits(n1) & ~SIGN); ws[k] = weight(z1, s1);
    }
    for (k = 0; k < m; k++) { int r = rows[k]; acc[2*r] = zs[k]; acc[2*r+1] = ns[k]; w[r] = ws[k]; }
  }

  public static void main(String[] a) {
    int bits = Integer.parseInt(a[0]); int size = 1 << bits;
    Random rnd = new Random(1);
    int batches = 2000; int per = 64 * 30;
    int[][] rows = new int[batches][]; float[][] grads = new float[batches][];
    int[] perm = new int[1_000_000]; for (int i = 0; i < perm.length; i++) perm[i] = ((int) (i * 2654435761L)) >>> (32 - bits);
    for (int b = 0; b < batches; b++) {
      LinkedHashSet<Integer> set = new LinkedHashSet<>();
      for (int i = 0; i < per; i++) { double u = rnd.nextDouble(); int id = (int) Math.min(999_999, Math.pow(u, 6) * 1_000_000); set.add(perm[id]); }
      rows[b] = set.stream().mapToInt(x -> x).toArray(); grads[b] = new float[rows[b].length];
      for (int i = 0; i < grads[b].length; i++) grads[b][i] = (float) (rnd.nextGaussian() * 0.1);
    }
    float[] wA = new float[size], accA = new float[2 * size], wB = new float[size], accB = new float[2 * size];
    System.out.println("unique per batch " + rows[0].length + " lanes " + S.length());
    for (int round = 0; round < 12; round++) {
      boolean vec = (round & 1) == 1;
      float[] w = vec ? wB : wA, acc = vec ? accB : accA;
      long t0 = System.nanoTime();
      for (int rep = 0; rep < 5; rep++)
      for (int b = 0; b < batches; b++) { if (vec) vectorStep(w, acc, rows[b], grads[b], rows[b].length); else scalarStep(w, acc, rows[b], grads[b], rows[b].length); }
      long t = System.nanoTime() - t0;
      System.out.printf("%s %.1f ns/coord%n", vec ? "vector" : "scalar", t / 5.0 / batches / rows[0].length);
    }
    System.out.println("identical: " + (Arrays.equals(wA, wB) && Arrays.equals(accA, accB)));
  }
}
