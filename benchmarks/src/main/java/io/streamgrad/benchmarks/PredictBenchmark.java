package io.streamgrad.benchmarks;

import io.streamgrad.autograd.kernels.KernelProvider;
import io.streamgrad.nn.Link;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.Predictor;
import java.util.SplittableRandom;
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
 * Serving's forward pass: a batch of {@code batch x features} inputs through a linear model with
 * {@link Predictor} (one GEMV under no-grad, the link applied), single-threaded; predictions/s =
 * ops/s x batch. bench/pytorch_predict.py runs the same under {@code torch.no_grad()}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Threads(1)
public class PredictBenchmark {

  @Param({"1x16", "64x16", "256x128"})
  public String shape;

  @Param({"panama", "scalar"})
  public String impl;

  private Predictor predictor;
  private float[] x;
  private float[] out;
  private int batch;

  @Setup
  public void setUp() {
    System.setProperty(KernelProvider.PROPERTY, impl);
    if (!KernelProvider.get().name().equals(impl)) {
      throw new IllegalStateException("kernels already chosen in this JVM; one impl per fork");
    }
    String[] bd = shape.split("x");
    batch = Integer.parseInt(bd[0]);
    int features = Integer.parseInt(bd[1]);
    SplittableRandom rng = new SplittableRandom(42);
    Model model = Models.linear().create(features, rng);
    predictor = new Predictor(model, Link.IDENTITY, features);
    x = new float[batch * features];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rng.nextDouble() - 0.5) * 5f;
    }
    out = new float[batch];
  }

  @Benchmark
  public float predict() {
    predictor.predict(x, batch, out);
    return out[0];
  }
}
