package io.streamgrad.benchmarks;

import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Ftrl;
import io.streamgrad.nn.SparseLinear;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One online step of FTRL logistic regression over hashed sparse rows ({@link SparseRows}: ~30
 * non-zeros per row), single-threaded: forward ({@code embedding_bag} + bias), BCE with logits
 * summed over the batch, backward into a sparse gradient, FTRL on the touched coordinates, zero
 * grad. The batches are built beforehand from the first 512 x batch impressions, as the Python side
 * slices its CSR matrices and tensors beforehand, and cycle. samples/s = ops/s x batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
// Transparent huge pages: a step reads ~2,000 random coordinates of tables up to 200 MB; with 4 KB
// pages nearly each one costs a TLB miss and a page walk (2^24 ran 1.6x slower than 2^20 without).
@Fork(
    value = 2,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "-Xmx2g",
      "-XX:+UseTransparentHugePages"
    })
@Threads(1)
public class SparseStepBenchmark {

  @Param({"20", "24"})
  public int bits;

  @Param({"1", "64"})
  public int batch;

  private SparseLinear model;
  private Ftrl ftrl;
  private SparseBatch[] batches;
  private float[][] labels;
  private int cursor;

  @Setup
  public void setUp() {
    SparseRows rows = SparseRows.generate();
    int count = Math.min(512, SparseRows.ROWS / batch);
    batches = new SparseBatch[count];
    labels = new float[count][batch];
    for (int b = 0; b < count; b++) {
      batches[b] = new SparseBatch();
      rows.fill(batches[b], b * batch, batch, bits, labels[b]);
    }
    model = new SparseLinear(0, bits);
    ftrl = new Ftrl(model.parameters(), 0.1f, 1f, 1f, 1f);
  }

  @Benchmark
  public float step() {
    int b = cursor;
    cursor = cursor + 1 == batches.length ? 0 : cursor + 1;
    ftrl.zeroGrad();
    Tensor logits = model.forward(null, batches[b]);
    Tensor loss = Losses.bceWithLogits(logits, Tensor.wrap(labels[b], batch)).mul(batch);
    loss.backward();
    ftrl.step();
    return loss.item();
  }
}
