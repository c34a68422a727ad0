package io.streamgrad.benchmarks;

import io.streamgrad.autograd.kernels.KernelProvider;
import io.streamgrad.autograd.kernels.Kernels;
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
 * One online-SGD step (batch x features), single-threaded. samples/s = ops/s x batch.
 *
 * <p>{@code impl} selects the kernels for the forked JVM through {@code -Dstreamgrad.kernels}, set
 * before the engine is first touched; each parameter combination runs in its own fork. {@code
 * readX2} streams X twice with the same kernels, in the same order as a step (forward GEMV
 * top-down, transposed GEMV bottom-up): the load-bound reference for a step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1) // the engine's JIT profile settles after ~5 s
@Measurement(iterations = 5, time = 1)
// The JVM's default collector (G1): what users run. ParallelGC's adaptive eden made 4096x256
// steps drift 2x slower within a fork (fresh arrays landing in cold memory and evicting X).
@Fork(
    value = 2,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"}) // JIT varies per fork
@Threads(1)
public class TrainStepBenchmark {

  @Param({"1x8", "32x16", "64x16", "256x128", "1024x1024", "4096x256"})
  public String shape;

  @Param({"panama", "scalar"})
  public String impl;

  private TrainStep step;
  private Kernels kernels;
  private float[] xData;

  @Setup
  public void setUp() {
    System.setProperty(KernelProvider.PROPERTY, impl);
    kernels = KernelProvider.get();
    if (!kernels.name().equals(impl)) {
      throw new IllegalStateException(
          "kernels "
              + kernels.name()
              + " already chosen in this JVM; run each impl in its own fork");
    }
    String[] bd = shape.split("x");
    step = new TrainStep(Integer.parseInt(bd[0]), Integer.parseInt(bd[1]), 42L, kernels);
    xData = step.x.toArray();
  }

  @Benchmark
  public float autograd() {
    return step.autograd();
  }

  @Benchmark
  public float handFused() {
    return step.handFused();
  }

  /**
   * Loads X twice in the step's own order (first row to last, then last row to first, as the
   * transposed GEMV runs), touching each element once per pass: the memory-traffic bound of a step.
   */
  @Benchmark
  public float readX2() {
    float s = kernels.sum(xData, 0, xData.length);
    int cols = step.features;
    for (int r = step.batch - 1; r >= 0; r--) {
      s += kernels.sum(xData, r * cols, cols);
    }
    return s;
  }
}
