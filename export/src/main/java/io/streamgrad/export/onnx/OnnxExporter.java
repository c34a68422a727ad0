package io.streamgrad.export.onnx;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.export.onnx.proto.OnnxProto.ModelProto;
import io.streamgrad.export.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.streamgrad.export.onnx.proto.OnnxProto.StringStringEntryProto;
import io.streamgrad.export.onnx.proto.OnnxProto.TensorProto.DataType;
import io.streamgrad.nn.Link;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.online.snapshot.ServedModel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One version of a model as an ONNX model that computes what streamgrad's {@link Predictor}
 * answers: the standardization, the forward pass and the link. Opset {@value #OPSET}, IR version
 * {@value #IR_VERSION} (ONNX 1.12 and later; every ONNX Runtime since 1.13).
 *
 * <p>Inputs: a dense model's {@code features}, a float {@code [batch, features]} matrix; a sparse
 * model's {@code indices} (int64 {@code [batch, nnz]}, hashed coordinates in {@code [0,
 * 2^hashBits)}) and {@code values} (float {@code [batch, nnz]}), after its {@code features} when it
 * has a dense part. A row with fewer non-zeros is padded with value 0 (any index). Output: {@code
 * prediction}, float {@code [batch]}: a probability for the logistic kinds, the value for
 * regression. The model's id, version, spec, feature count and hash bits are in the metadata.
 *
 * <p>The standardization is exact by default: explicit nodes in double, the arithmetic of {@link
 * Standardizer#apply}, so the standardized inputs are the trainer's bit for bit. {@link
 * Standardization#FOLDED} folds it into the first layer's weights instead (one op fewer per
 * feature; the weights' rounding differs by an ulp).
 *
 * <p>Immutable; thread-safe.
 */
public final class OnnxExporter {
  public static final int OPSET = 17;
  public static final int IR_VERSION = 8;
  public static final String FEATURES = "features";
  public static final String INDICES = "indices";
  public static final String VALUES = "values";
  public static final String PREDICTION = "prediction";
  public static final String BATCH = "batch";
  public static final String NNZ = "nnz";

  /** Protobuf refuses a message of 2 GiB or more; ONNX keeps larger weights in external files. */
  static final long MAX_BYTES = (1L << 31) - (1 << 20);

  /** How the online standardization (if the model has one) goes into the graph. */
  public enum Standardization {
    /** {@code (x - mean) / std} as nodes, in double: exactly the trainer's. */
    NODES,
    /** Folded into the first layer's weights and bias. */
    FOLDED
  }

  private final Standardization standardization;

  private OnnxExporter(Standardization standardization) {
    this.standardization = standardization;
  }

  /** An exporter with the exact standardization ({@link Standardization#NODES}). */
  public static OnnxExporter create() {
    return new OnnxExporter(Standardization.NODES);
  }

  /** The same exporter with {@code mode}. */
  public OnnxExporter standardization(Standardization mode) {
    if (mode == null) {
      throw new IllegalArgumentException("standardization mode must not be null");
    }
    return new OnnxExporter(mode);
  }

  /**
   * The ONNX model of {@code model}.
   *
   * @throws UnsupportedModelException naming what cannot be written (a user's op without an ONNX
   *     mapping, a model over the 2 GiB a single ONNX file holds)
   */
  public ModelProto export(ServedModel model) {
    Predictor p = model.predictor();
    ModelSpec spec = p.spec();
    if (spec == null) {
      throw new UnsupportedModelException(
          "model " + model.modelId() + " has no spec: it cannot be rebuilt, nor exported");
    }
    long bytes = 0;
    for (Tensor t : p.model().parameters()) {
      bytes += 4L * t.numel();
    }
    if (bytes > MAX_BYTES) {
      throw new UnsupportedModelException(
          String.format(
              "model %s (%s) has %,d bytes of parameters: more than one ONNX file holds (2 GiB)",
              model.modelId(), spec, bytes));
    }
    ModelFactory factory = spec.factory(); // once: a user's is built by reflection
    Map<String, Tensor> params = new LinkedHashMap<>(p.model().stateDict());
    OnnxGraph g = new OnnxGraph(graphName(model.modelId()));
    Standardizer z = p.standardizer();
    boolean fold = z != null && standardization == Standardization.FOLDED;
    if (fold) {
      Folding.fold(spec, params, z);
    }
    String dense =
        spec.features() > 0 ? g.input(FEATURES, DataType.FLOAT, BATCH, spec.features()) : null;
    if (dense != null && z != null && !fold) {
      dense = standardized(g, dense, z);
    }
    String raw =
        switch (spec.kind()) {
          case ModelSpec.LINEAR, ModelSpec.LOGISTIC -> linear(g, dense, params, "");
          case ModelSpec.MLP -> mlp(g, dense, spec, params);
          case ModelSpec.SPARSE_LINEAR, ModelSpec.SPARSE_LOGISTIC, ModelSpec.FM ->
              sparse(g, dense, spec, params);
          default -> userModel(g, dense, spec, factory, params);
        };
    Link link = factory.link();
    String prediction = link == Link.LOGISTIC ? g.op("Sigmoid", raw) : raw;
    g.output(prediction, PREDICTION, DataType.FLOAT, BATCH);

    ModelProto.Builder m =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName("streamgrad")
            .setProducerVersion(producerVersion())
            .setDomain("io.streamgrad")
            .setModelVersion(model.version())
            .setDocString(docString(model, spec, link))
            .setGraph(g.build());
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("streamgrad.model_id", model.modelId());
    meta.put("streamgrad.version", Long.toString(model.version()));
    meta.put("streamgrad.timestamp_ms", Long.toString(model.timestampMillis()));
    meta.put("streamgrad.kind", spec.kind());
    meta.put("streamgrad.spec", spec.toString());
    meta.put("streamgrad.features", Integer.toString(spec.features()));
    meta.put("streamgrad.hash_bits", Integer.toString(spec.hashBits()));
    meta.put("streamgrad.factors", Integer.toString(spec.factors()));
    meta.put("streamgrad.link", link.name().toLowerCase());
    meta.put(
        "streamgrad.standardization", z == null ? "none" : standardization.name().toLowerCase());
    meta.forEach(
        (k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return m.build();
  }

  /**
   * Writes {@code model}'s ONNX file to {@code file} atomically: a reader sees the old file or the
   * whole new one, never a part.
   */
  public void write(ServedModel model, Path file) throws IOException {
    ModelProto proto = export(model);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        proto.writeTo(out);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** {@code (float) ((x - mean) / std)} in double, as {@link Standardizer#apply} computes it. */
  private static String standardized(OnnxGraph g, String x, Standardizer z) {
    int d = z.features();
    double[] mean = new double[d];
    double[] std = new double[d];
    for (int j = 0; j < d; j++) {
      mean[j] = z.mean(j);
      std[j] = z.std(j);
    }
    String wide = g.op("Cast", "to", DataType.DOUBLE.getNumber(), x);
    String centred = g.op("Sub", wide, g.doubles("standardization.mean", mean, d));
    String scaled = g.op("Div", centred, g.doubles("standardization.std", std, d));
    return g.op("Cast", "to", DataType.FLOAT.getNumber(), scaled);
  }

  /** {@code x w + b}, as {@code Linear.forward}: weight {@code [in]} or {@code [in, out]}. */
  private static String linear(OnnxGraph g, String x, Map<String, Tensor> params, String prefix) {
    String w = initializer(g, prefix + "weight", params);
    String b = initializer(g, prefix + "bias", params);
    return g.op("Add", g.op("MatMul", x, w), b);
  }

  private static String mlp(OnnxGraph g, String x, ModelSpec spec, Map<String, Tensor> params) {
    Models.Activation a =
        spec.activation() == null
            ? Models.Activation.TANH
            : Models.Activation.valueOf(spec.activation());
    String h = x;
    for (int i = 0; i < spec.hidden().length; i++) {
      h =
          g.op(
              a == Models.Activation.TANH ? "Tanh" : "Relu",
              linear(g, h, params, "layer" + i + "."));
    }
    return linear(g, h, params, "out.");
  }

  /**
   * The sparse kinds, in {@code SparseLinear}'s and {@code FactorizationMachine}'s order of
   * additions: {@code ((x w + Σ v_i w_i) + b) + pairs}.
   */
  private static String sparse(OnnxGraph g, String x, ModelSpec spec, Map<String, Tensor> params) {
    String indices = g.input(INDICES, DataType.INT64, BATCH, NNZ);
    String values = g.input(VALUES, DataType.FLOAT, BATCH, NNZ);
    String axis1 = g.longs("axis_1", 1);
    Tensor table = params.get("sparse.weight");
    String weights = g.floats("sparse.weight", table.toArray(), table.size(0));
    String bag =
        g.op(
            "ReduceSum",
            "keepdims",
            0,
            g.op("Mul", g.op("Gather", weights, indices), values),
            axis1);
    String out =
        x == null ? bag : g.op("Add", g.op("MatMul", x, initializer(g, "weight", params)), bag);
    out = g.op("Add", out, initializer(g, "bias", params));
    if (spec.kind().equals(ModelSpec.FM)) {
      String factors = initializer(g, "factors", params);
      String scaled =
          g.op(
              "Mul",
              g.op("Gather", factors, indices),
              g.op("Unsqueeze", values, g.longs("axis_2", 2)));
      String sum = g.op("ReduceSum", "keepdims", 0, scaled, axis1);
      String sumOfSquares = g.op("ReduceSum", "keepdims", 0, g.op("Mul", scaled, scaled), axis1);
      String pairs =
          g.op("ReduceSum", "keepdims", 0, g.op("Sub", g.op("Mul", sum, sum), sumOfSquares), axis1);
      out = g.op("Add", out, g.op("Mul", pairs, g.floats("half", new float[] {0.5f})));
    }
    return out;
  }

  private static String userModel(
      OnnxGraph g, String x, ModelSpec spec, ModelFactory factory, Map<String, Tensor> params) {
    if (!(factory instanceof OnnxExportable exportable)) {
      throw new UnsupportedModelException(
          "model kind '"
              + spec.kind()
              + "' ("
              + spec.factoryClass()
              + "): a user's forward pass is engine code streamgrad cannot see into; its factory"
              + " maps it onto ONNX ops by implementing "
              + OnnxExportable.class.getName());
    }
    if (spec.sparse()) {
      throw new UnsupportedModelException(
          "a user's model with a sparse part (" + spec + ") cannot be exported yet");
    }
    return exportable.forward(g, x, params);
  }

  static String initializer(OnnxGraph g, String name, Map<String, Tensor> params) {
    Tensor t = params.get(name);
    if (t == null) {
      throw new UnsupportedModelException("the model has no parameter '" + name + "'");
    }
    int[] shape = t.shape();
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[i];
    }
    return g.floats(name, t.toArray(), dims);
  }

  private static String graphName(String modelId) {
    return "streamgrad_" + modelId.replaceAll("[^A-Za-z0-9_]", "_");
  }

  private static String docString(ServedModel model, ModelSpec spec, Link link) {
    return "streamgrad model "
        + model.modelId()
        + " version "
        + model.version()
        + " ("
        + spec
        + "). Inputs: "
        + (spec.features() > 0 ? "features float[batch, " + spec.features() + "]" : "")
        + (spec.features() > 0 && spec.sparse() ? ", " : "")
        + (spec.sparse()
            ? "indices int64[batch, nnz] (hashed coordinates < 2^"
                + spec.hashBits()
                + "), values float[batch, nnz] (pad with value 0)"
            : "")
        + ". Output: prediction float[batch]"
        + (link == Link.LOGISTIC ? ", a probability." : ".");
  }

  private static String producerVersion() {
    String v = OnnxExporter.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
