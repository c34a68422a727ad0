package io.streamgrad.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.TensorInfo;
import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.export.onnx.OnnxExporter.Standardization;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.testing.ModelKinds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ONNX Runtime, given an exported model, answers what streamgrad's predictor answers on the same
 * inputs: every kind, with and without standardization, nodes and folded.
 */
class OnnxExporterTest {

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    long seed = 1;
    for (ModelSpec spec : ExportFixtures.everyKind()) {
      all.add(Arguments.of(spec, false, Standardization.NODES, seed++));
      if (spec.features() > 0) {
        all.add(Arguments.of(spec, true, Standardization.NODES, seed++));
        if (!spec.kind().equals(ModelSpec.CLASS)) {
          all.add(Arguments.of(spec, true, Standardization.FOLDED, seed++));
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}, standardized {1} ({2})")
  @MethodSource("cases")
  void onnxRuntimeAnswersWhatThePredictorAnswers(
      ModelSpec spec, boolean standardized, Standardization mode, long seed) throws Exception {
    ServedModel model = ExportFixtures.model("model-" + seed, spec, standardized, seed);
    byte[] onnx = OnnxExporter.create().standardization(mode).export(model).toByteArray();
    int rows = 37;
    float[] x = ExportFixtures.dense(rows, spec.features(), seed + 100);
    SparseBatch sparse = spec.sparse() ? ExportFixtures.sparse(rows, spec.hashBits(), seed) : null;
    float[] expected = new float[rows];
    model.predict(x, sparse, rows, expected);
    float[] actual;
    try (OnnxRuntime ort = new OnnxRuntime(onnx)) {
      actual = ort.predict(x, spec.features(), sparse, rows);
    }
    assertEquals(rows, actual.length);
    float[] scale = magnitude(model, mode, x, sparse, rows);
    for (int i = 0; i < rows; i++) {
      // Float rounding only: the terms of each sum are added in another order, nothing is
      // approximated. Relative to the size of those terms, as cancellation leaves a small result
      // with the rounding of its large terms.
      double tolerance = 1e-6 * Math.max(scale[i], Math.abs(expected[i]));
      assertEquals(
          expected[i], actual[i], tolerance, "row " + i + " of " + spec + " (" + mode + ")");
    }
  }

  /**
   * The size of the terms each raw output sums: the same forward pass with every parameter, input
   * and value made positive (after the standardization, or with it folded as the export folds it).
   */
  private static float[] magnitude(
      ServedModel m, Standardization mode, float[] x, SparseBatch sparse, int rows) {
    ModelSpec spec = m.predictor().spec();
    Map<String, Tensor> params = new LinkedHashMap<>(m.predictor().model().stateDict());
    float[] input = x.clone();
    Standardizer z = m.predictor().standardizer();
    if (z != null && mode == Standardization.FOLDED) {
      Folding.fold(spec, params, z);
    } else if (z != null) {
      z.applyRows(x, rows, input);
    }
    params.replaceAll((k, t) -> t.abs());
    for (int i = 0; i < input.length; i++) {
      input[i] = Math.abs(input[i]);
    }
    SparseBatch positive = null;
    if (sparse != null) {
      positive = new SparseBatch();
      for (int b = 0; b < rows; b++) {
        for (int k = sparse.offset(b); k < sparse.offset(b + 1); k++) {
          positive.add(sparse.indices()[k], Math.abs(sparse.values()[k]));
        }
        positive.endRow();
      }
    }
    Model abs = spec.create();
    abs.loadStateDict(params);
    try (Grad.Scope off = Grad.disabled()) {
      return abs.forward(Tensor.wrap(input, rows, spec.features()), positive).toArray();
    }
  }

  @Test
  void exactStandardizationGivesTheTrainersInputsBitForBit() throws Exception {
    // A linear model whose weights pick one feature each: the prediction is the standardized input.
    ModelSpec spec = io.streamgrad.nn.Models.linear().spec(1);
    ServedModel model = ExportFixtures.model("one", spec, true, 3);
    float[] x = ExportFixtures.dense(64, 1, 5);
    float[] expected = new float[64];
    model.predict(x, null, 64, expected);
    try (OnnxRuntime ort = new OnnxRuntime(OnnxExporter.create().export(model).toByteArray())) {
      float[] actual = ort.predict(x, 1, null, 64);
      for (int i = 0; i < 64; i++) {
        assertEquals(
            Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]), "row " + i);
      }
    }
  }

  @Test
  void namesInputsOutputsAndCarriesTheModelInItsMetadata() throws Exception {
    ModelSpec spec = io.streamgrad.nn.SparseModels.factorizationMachine(9, 3).spec(2);
    ServedModel model = ExportFixtures.model("clicks/eu-1", spec, true, 4);
    var proto = OnnxExporter.create().export(model);
    assertEquals(OnnxExporter.IR_VERSION, proto.getIrVersion());
    assertEquals(OnnxExporter.OPSET, proto.getOpsetImport(0).getVersion());
    assertEquals(model.version(), proto.getModelVersion());
    try (OnnxRuntime ort = new OnnxRuntime(proto.toByteArray())) {
      Map<String, NodeInfo> inputs = ort.session().getInputInfo();
      assertEquals(List.of("features", "indices", "values"), List.copyOf(inputs.keySet()));
      TensorInfo features = (TensorInfo) inputs.get("features").getInfo();
      assertEquals(List.of(-1L, 2L), List.of(features.getShape()[0], features.getShape()[1]));
      TensorInfo out = (TensorInfo) ort.session().getOutputInfo().get("prediction").getInfo();
      assertEquals(1, out.getShape().length);
      OnnxModelMetadata meta = ort.session().getMetadata();
      Map<String, String> props = meta.getCustomMetadata();
      assertEquals("clicks/eu-1", props.get("streamgrad.model_id"));
      assertEquals(Long.toString(model.version()), props.get("streamgrad.version"));
      assertEquals("fm", props.get("streamgrad.kind"));
      assertEquals("2", props.get("streamgrad.features"));
      assertEquals("9", props.get("streamgrad.hash_bits"));
      assertEquals("3", props.get("streamgrad.factors"));
      assertEquals("logistic", props.get("streamgrad.link"));
      assertEquals("nodes", props.get("streamgrad.standardization"));
      assertEquals("streamgrad", meta.getProducerName());
    }
  }

  @Test
  void aUsersModelWithoutAMappingIsRefusedByName() {
    ModelSpec spec = ModelSpec.ofClass(ModelKinds.Doubled.class, 4);
    ServedModel model = ExportFixtures.model("mine", spec, false, 1);
    UnsupportedModelException e =
        assertThrows(UnsupportedModelException.class, () -> OnnxExporter.create().export(model));
    assertTrue(e.getMessage().contains(ModelKinds.Doubled.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("OnnxExportable"), e.getMessage());
  }
}
