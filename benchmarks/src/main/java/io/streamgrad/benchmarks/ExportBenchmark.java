package io.streamgrad.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.export.onnx.OnnxExporter;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.snapshot.ServedModel;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ONNX export: how long writing a model takes ({@link #export}, ms), and where to serve it — a
 * batch of 64 through streamgrad's {@link Predictor} against the exported model in ONNX Runtime
 * (one intra-op thread, as the predictor), predictions/s = ops/s × 64 ({@link #predict}).
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Threads(1)
public class ExportBenchmark {
  static final int BATCH = 64;

  /** A model of {@code kind} with random parameters. */
  static ServedModel model(String kind) {
    ModelSpec spec =
        switch (kind) {
          case "logistic-16" -> Models.logistic().spec(16);
          case "mlp-64,32-16" -> Models.mlp(64, 32).spec(16);
          case "sparse-logistic-2^20" -> SparseModels.logistic(20).spec(0);
          case "fm-k8-2^20" -> SparseModels.factorizationMachine(20, 8).spec(0);
          default -> throw new IllegalArgumentException(kind);
        };
    SplittableRandom rng = new SplittableRandom(7);
    Model m = spec.create();
    try (Grad.Scope off = Grad.disabled()) {
      for (Tensor p : m.parameters()) {
        p.copyFrom(Tensor.randn(rng, p.shape()).mul(0.1f));
      }
    }
    return ServedModel.of("bench", 1, 0, Predictor.of(spec, m));
  }

  /** Export time. */
  @State(Scope.Thread)
  public static class ToExport {
    @Param({"mlp-64,32-16", "sparse-logistic-2^20", "fm-k8-2^20"})
    public String kind;

    ServedModel model;

    @Setup
    public void setUp() {
      model = model(kind);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public byte[] export(ToExport s) {
    return OnnxExporter.create().export(s.model).toByteArray();
  }

  /** The same batch through streamgrad's predictor or ONNX Runtime. */
  @State(Scope.Thread)
  public static class ToServe {
    @Param({"logistic-16", "mlp-64,32-16", "fm-k8-2^20"})
    public String kind;

    @Param({"streamgrad", "onnxruntime"})
    public String server;

    ServedModel model;
    float[] x;
    SparseBatch sparse;
    float[] out = new float[BATCH];
    OrtEnvironment env;
    OrtSession session;
    Map<String, OnnxTensor> inputs;

    @Setup
    public void setUp() throws OrtException {
      model = model(kind);
      SplittableRandom rng = new SplittableRandom(3);
      int features = model.features();
      x = new float[BATCH * features];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rng.nextGaussian();
      }
      long[] indices = new long[BATCH * 20];
      float[] values = new float[BATCH * 20];
      if (model.hashBits() > 0) {
        sparse = new SparseBatch();
        for (int b = 0; b < BATCH; b++) {
          for (int k = 0; k < 20; k++) {
            int index = rng.nextInt(1 << model.hashBits());
            sparse.add(index, 1f);
            indices[b * 20 + k] = index;
            values[b * 20 + k] = 1f;
          }
          sparse.endRow();
        }
      }
      if (server.equals("onnxruntime")) {
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        session = env.createSession(OnnxExporter.create().export(model).toByteArray(), options);
        inputs =
            model.hashBits() > 0
                ? Map.of(
                    OnnxExporter.INDICES,
                    OnnxTensor.createTensor(env, LongBuffer.wrap(indices), new long[] {BATCH, 20}),
                    OnnxExporter.VALUES,
                    OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[] {BATCH, 20}))
                : Map.of(
                    OnnxExporter.FEATURES,
                    OnnxTensor.createTensor(
                        env, FloatBuffer.wrap(x), new long[] {BATCH, features}));
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
      if (session != null) {
        session.close();
        inputs.values().forEach(OnnxTensor::close);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float predict(ToServe s) throws OrtException {
    if (s.session == null) {
      s.model.predict(s.x, s.sparse, BATCH, s.out);
      return s.out[0];
    }
    // Inputs are built once, as a server would reuse its buffers; the result is read out.
    try (OrtSession.Result r = s.session.run(s.inputs)) {
      return ((float[]) r.get(0).getValue())[0];
    }
  }
}
