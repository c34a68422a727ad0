package io.streamgrad.benchmarks;

import io.streamgrad.autograd.kernels.KernelProvider;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the JVM charges an engine step for its objects, measured as the time a 64x16 hand-fused step
 * gains when it also allocates: small objects kept in a fresh array (young to young), the same
 * objects each stored into a long-lived field (G1's slow post-write barrier), and fresh float
 * arrays of growing size (cold memory). The engine's design follows from these figures
 * (BENCHMARKS.md, "The 64x16 target").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AllocationCostBenchmark {

  private TrainStep step;

  /** Lives as long as the benchmark: promoted to the old generation after the first collections. */
  private Object longLived;

  @Setup
  public void setUp() {
    step = new TrainStep(64, 16, 42L, KernelProvider.get());
  }

  @Benchmark
  public float step() {
    return step.handFused();
  }

  /** Ten 24-byte objects referenced from a fresh array: young-to-young stores, one old store. */
  @Benchmark
  public float stepAndTenObjectsYoung() {
    Object[] holder = new Object[10];
    for (int i = 0; i < holder.length; i++) {
      holder[i] = new Object[2];
    }
    longLived = holder;
    return step.handFused();
  }

  /**
   * The same ten objects, each stored into a long-lived object's field: ten old-to-young stores.
   */
  @Benchmark
  public float stepAndTenObjectsIntoOld() {
    for (int i = 0; i < 10; i++) {
      longLived = new Object[2];
    }
    return step.handFused();
  }

  @Benchmark
  public float stepAndArray256B() {
    longLived = new float[64];
    return step.handFused();
  }

  @Benchmark
  public float stepAndArray1KB() {
    longLived = new float[256];
    return step.handFused();
  }

  @Benchmark
  public float stepAndThreeArrays1KB() {
    longLived = new Object[] {new float[256], new float[256], new float[256]};
    return step.handFused();
  }
}
