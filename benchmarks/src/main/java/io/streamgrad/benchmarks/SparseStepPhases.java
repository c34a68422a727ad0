package io.streamgrad.benchmarks;

import io.streamgrad.autograd.Embeddings;
import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Ftrl;
import io.streamgrad.nn.SparseLinear;

/**
 * Where a {@link SparseStepBenchmark} step goes, phase by phase (nanoTime around each; a profile,
 * not a benchmark): {@code java ... SparseStepPhases [bits...]}, batch 64.
 */
public final class SparseStepPhases {

  public static void main(String[] args) {
    SparseRows rows = SparseRows.generate();
    int batch = 64;
    for (String a : args.length == 0 ? new String[] {"10", "20", "24"} : args) {
      int bits = Integer.parseInt(a);
      int count = Math.min(512, SparseRows.ROWS / batch);
      SparseBatch[] batches = new SparseBatch[count];
      float[][] labels = new float[count][batch];
      for (int b = 0; b < count; b++) {
        batches[b] = new SparseBatch();
        rows.fill(batches[b], b * batch, batch, bits, labels[b]);
      }
      SparseLinear model = new SparseLinear(0, bits);
      Ftrl ftrl = new Ftrl(model.parameters(), 0.1f, 1f, 1f, 1f);
      String[] names = {
        "zero_grad", "bag", "reshape+bias", "loss", "backward", "coalesce", "ftrl step"
      };
      long[] ns = new long[names.length];
      int steps = 40_000;
      float sink = 0;
      for (int s = 0; s < 2 * steps; s++) {
        boolean measure = s >= steps;
        int b = s % count;
        long t0 = System.nanoTime();
        ftrl.zeroGrad();
        long t1 = System.nanoTime();
        Tensor bag = Embeddings.bag(model.sparseWeight(), batches[b], true);
        long t15 = System.nanoTime();
        Tensor logits = bag.reshape(batch).add(model.parameters().get(1));
        long t2 = System.nanoTime();
        Tensor loss = Losses.bceWithLogits(logits, Tensor.wrap(labels[b], batch)).mul(batch);
        long t3 = System.nanoTime();
        loss.backward();
        long t4 = System.nanoTime();
        long t5 = System.nanoTime(); // FTRL sums the duplicates itself (coalesce: 0)
        ftrl.step();
        long t6 = System.nanoTime();
        sink += loss.item();
        if (measure) {
          ns[0] += t1 - t0;
          ns[1] += t15 - t1;
          ns[2] += t2 - t15;
          ns[3] += t3 - t2;
          ns[4] += t4 - t3;
          ns[5] += t5 - t4;
          ns[6] += t6 - t5;
        }
      }
      long total = 0;
      for (long n : ns) {
        total += n;
      }
      StringBuilder line = new StringBuilder(String.format("2^%d batch %d:", bits, batch));
      for (int i = 0; i < names.length; i++) {
        line.append(String.format("  %s %.2f us", names[i], ns[i] / 1e3 / steps));
      }
      line.append(
          String.format(
              "  | step %.2f us, %.0f samples/s (%s)",
              total / 1e3 / steps, batch * 1e9 * steps / total, sink != 0 ? "ok" : "?"));
      System.out.println(line);
    }
  }
}
