import java.util.*;

/** Same cache footprint, different page footprint: lines spread one per 4 KiB page vs packed. */
public class Tlb {
  static float sink;
  public static void main(String[] a) {
    int lines = Integer.parseInt(a[0]);          // distinct cache lines touched
    float[] big = new float[lines * 1024];       // one line per 4 KiB page (1024 floats)
    float[] packed = new float[lines * 16];      // the same lines contiguous
    Arrays.fill(big, 1f); Arrays.fill(packed, 1f);
    Random r = new Random(1);
    int n = 1 << 22;
    int[] spread = new int[n], dense = new int[n];
    int[] off = new int[lines]; for (int l = 0; l < lines; l++) off[l] = 16 * r.nextInt(64); // a random line of its page: no set conflicts
    for (int i = 0; i < n; i++) { int l = r.nextInt(lines); spread[i] = l * 1024 + off[l]; dense[i] = l * 16; }
    for (int round = 0; round < 8; round++) {
      boolean s = (round & 1) == 0;
      float[] arr = s ? big : packed; int[] idx = s ? spread : dense;
      long t0 = System.nanoTime(); float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (int i = 0; i < n; i += 4) { a0 += arr[idx[i]]; a1 += arr[idx[i + 1]]; a2 += arr[idx[i + 2]]; a3 += arr[idx[i + 3]]; }
      sink += a0 + a1 + a2 + a3;
      if (round >= 2) System.out.printf("%s %d lines (%s pages): %.2f ns/load%n", s ? "one line per page" : "packed          ", lines, s ? "" + lines : "" + (lines * 64 / 4096), (System.nanoTime() - t0) / (double) n);
    }
  }
}
