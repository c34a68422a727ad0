package io.streamgrad.online.snapshot;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.NamedTensor;
import io.streamgrad.schemas.Standardization;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link WeightSnapshot} to the model it is of: the spec it carries rebuilds the model, {@code
 * loadStateDict} loads its parameters. Free of Flink, so that the trainer, the predictor operator,
 * the SQL model provider and a plain Java program all run the same forward pass.
 */
public final class SnapshotModels {

  private SnapshotModels() {}

  /**
   * Whether {@code record} is a snapshot's first record: a sparse model's snapshot comes in parts
   * that repeat its version and figures, and readers that count snapshots count it once.
   */
  public static boolean firstPart(WeightSnapshot record) {
    return record.getSparse() == null || record.getSparse().getPart() == 0;
  }

  /** A model spec as snapshots carry it. */
  public static io.streamgrad.schemas.ModelSpec toAvro(ModelSpec spec) {
    List<Integer> hidden = new ArrayList<>();
    for (int h : spec.hidden()) {
      hidden.add(h);
    }
    return io.streamgrad.schemas.ModelSpec.newBuilder()
        .setKind(spec.kind())
        .setFeatures(spec.features())
        .setHidden(hidden)
        .setActivation(spec.activation())
        .setFactoryClass(spec.factoryClass())
        .setHashBits(spec.hashBits())
        .setFactors(spec.factors())
        .build();
  }

  /** The spec of the model {@code snapshot} is of, or null for a snapshot written without one. */
  public static ModelSpec spec(WeightSnapshot snapshot) {
    io.streamgrad.schemas.ModelSpec s = snapshot.getModelSpec();
    if (s == null) {
      return null;
    }
    return new ModelSpec(
        s.getKind(),
        s.getFeatures(),
        s.getHidden().stream().mapToInt(Integer::intValue).toArray(),
        s.getActivation(),
        s.getFactoryClass(),
        s.getHashBits(),
        s.getFactors());
  }

  /**
   * The model {@code snapshot} is of, with the snapshot's parameters: its forward pass is the
   * trainer's, bit for bit.
   *
   * @throws IllegalArgumentException if the snapshot has no spec (written before specs existed) or
   *     its parameters do not fit the model, in {@code load_state_dict}'s words
   */
  public static Model model(WeightSnapshot snapshot) {
    if (snapshot.getSparse() != null) {
      throw new IllegalArgumentException(
          "a snapshot of a sparse model is one update of its tables: rebuild the model from"
              + " its updates with SparseModelAssembler (serving sparse models is not supported"
              + " yet)");
    }
    ModelSpec spec = requireSpec(snapshot);
    Model model = spec.create();
    Map<String, Tensor> state = new LinkedHashMap<>();
    for (NamedTensor t : snapshot.getParameters()) {
      int[] shape = t.getShape().stream().mapToInt(Integer::intValue).toArray();
      state.put(t.getName(), Tensor.wrap(FloatLists.unboxed(t.getValues()), shape));
    }
    model.loadStateDict(state);
    return model;
  }

  /** A predictor of the model {@code snapshot} is of (see {@link #model}). */
  public static Predictor predictor(WeightSnapshot snapshot) {
    Model model = model(snapshot);
    return Predictor.of(spec(snapshot), model, standardizer(snapshot));
  }

  /**
   * The input standardization the model of {@code snapshot} was trained with (a copy that no
   * training changes), or null when it takes raw features.
   *
   * @throws IllegalArgumentException if its statistics do not fit the model's features
   */
  public static Standardizer standardizer(WeightSnapshot snapshot) {
    Standardization z = snapshot.getStandardization();
    if (z == null) {
      return null;
    }
    double[] mean = z.getMean().stream().mapToDouble(Double::doubleValue).toArray();
    double[] m2 = z.getM2().stream().mapToDouble(Double::doubleValue).toArray();
    ModelSpec spec = spec(snapshot);
    if (mean.length != m2.length || (spec != null && mean.length != spec.features())) {
      throw new IllegalArgumentException(
          "snapshot of model "
              + snapshot.getModelId()
              + " (version "
              + snapshot.getVersion()
              + ") standardizes "
              + mean.length
              + " features (and "
              + m2.length
              + " variances), its model has "
              + (spec == null ? "?" : spec.features()));
    }
    return Standardizer.of(z.getWarmup(), z.getCount(), mean, m2);
  }

  /**
   * The weights and bias of a linear or logistic snapshot in the raw feature space (what a model
   * trained on standardized features computes on raw ones): the snapshot's own when it has no
   * standardization. Returns {@code weights..., bias}.
   */
  public static float[] rawLinear(WeightSnapshot snapshot) {
    float[] w = FloatLists.unboxed(snapshot.getWeights());
    float[] out = Arrays.copyOf(w, w.length + 1);
    Standardizer z = standardizer(snapshot);
    out[w.length] =
        z == null || z.features() != w.length
            ? snapshot.getBias()
            : (float) z.toRaw(w, snapshot.getBias(), out);
    return out;
  }

  private static ModelSpec requireSpec(WeightSnapshot snapshot) {
    ModelSpec spec = spec(snapshot);
    if (spec == null) {
      throw new IllegalArgumentException(
          "snapshot of model "
              + snapshot.getModelId()
              + " (version "
              + snapshot.getVersion()
              + ") has no model spec: it was written before snapshots carried one");
    }
    return spec;
  }
}
