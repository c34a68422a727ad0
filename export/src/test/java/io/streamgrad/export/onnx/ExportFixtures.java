package io.streamgrad.export.onnx;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.testing.ModelKinds;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Models of every kind with random parameters, and inputs for them. */
public final class ExportFixtures {
  private ExportFixtures() {}

  /** A model of {@code spec} with parameters drawn from N(0, 0.5²), standardized or not. */
  public static ServedModel model(String id, ModelSpec spec, boolean standardized, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Model model = spec.create();
    try (Grad.Scope off = Grad.disabled()) {
      for (Tensor p : model.parameters()) {
        p.copyFrom(Tensor.randn(rng, p.shape()).mul(0.5f));
      }
    }
    Standardizer z = null;
    if (standardized && spec.features() > 0) {
      z = new Standardizer(spec.features(), 0);
      float[] row = new float[spec.features()];
      for (int s = 0; s < 50; s++) {
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) (3 * j + rng.nextGaussian() * (j + 1));
        }
        z.observe(row, 0);
      }
    }
    return ServedModel.of(id, 7 + seed, 1_700_000_000_000L, Predictor.of(spec, model, z));
  }

  /** Every built-in kind, dense and sparse, and a user's exportable model. */
  public static List<ModelSpec> everyKind() {
    return List.of(
        Models.linear().spec(16),
        Models.logistic().spec(16),
        Models.mlp(4, 3).spec(5),
        Models.mlp(6).activation(Models.Activation.RELU).spec(5),
        SparseModels.linear(8).spec(3),
        SparseModels.logistic(8).spec(0),
        SparseModels.logistic(10).spec(4),
        SparseModels.factorizationMachine(8, 4).spec(0),
        SparseModels.factorizationMachine(9, 3).spec(2),
        ModelSpec.ofClass(Doubled.class, 6));
  }

  /** Dense inputs {@code [rows, features]} around the standardization's scale. */
  public static float[] dense(int rows, int features, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * features];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < features; j++) {
        x[i * features + j] = (float) (3 * j + rng.nextGaussian() * (j + 1));
      }
    }
    return x;
  }

  /** Sparse rows of 0 to 7 non-zeros (coordinates may repeat within a row). */
  public static SparseBatch sparse(int rows, int hashBits, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    SparseBatch b = new SparseBatch();
    for (int i = 0; i < rows; i++) {
      int nnz = i == 0 ? 0 : rng.nextInt(8);
      for (int k = 0; k < nnz; k++) {
        b.add(rng.nextInt(1 << hashBits), (float) (rng.nextBoolean() ? 1 : rng.nextGaussian()));
      }
      b.endRow();
    }
    return b;
  }

  /** The tests' user model, {@code 2 · (X w)}, whose factory also maps it onto ONNX ops. */
  public static final class Doubled extends ModelKinds.Doubled implements OnnxExportable {
    @Override
    public String forward(OnnxGraph graph, String input, Map<String, Tensor> parameters) {
      Tensor w = parameters.get("weight");
      String weight = graph.floats("weight", w.toArray(), w.numel());
      return graph.op(
          "Mul", graph.op("MatMul", input, weight), graph.floats("two", new float[] {2f}));
    }
  }
}
