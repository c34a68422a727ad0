package io.streamgrad.flink.sql;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.online.serving.SnapshotFollower;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.schemas.FeatureHashing;
import io.streamgrad.schemas.Printable;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ML_PREDICT} for one streamgrad model: follows the snapshot topic (committed snapshots,
 * from the start; newer versions replace older ones while the query runs) and answers each row with
 * the newest version it has. The first row waits for the model's first snapshot, at most {@code
 * model-wait}; then the query fails naming the model and topic. A row whose features cannot be
 * predicted (null, a wrong count, non-finite values) gets a NULL prediction and is counted ({@code
 * unpredictableRows}), never dropped.
 */
public final class SnapshotPredictFunction extends PredictFunction {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPredictFunction.class);

  private final String modelId;
  private final String topic;
  private final Map<String, String> kafka;
  private final Duration modelWait;
  private final Duration kafkaTimeout;
  private final Inputs inputs;
  private final List<String> outputs;

  /**
   * Where the input row holds the features (-1: none, a model of tokens only), whether they are
   * DOUBLE, and where it holds the tokens (-1: none, a dense model).
   */
  record Inputs(int features, boolean doubles, int tokens) implements java.io.Serializable {}

  private transient SnapshotFollower follower;
  private transient Counter unpredictable;
  private transient boolean warned;
  private transient SparseBatch sparse;
  private transient float[] out;

  SnapshotPredictFunction(
      String modelId,
      String topic,
      Map<String, String> kafka,
      Duration modelWait,
      Duration kafkaTimeout,
      Inputs inputs,
      List<String> outputs) {
    this.modelId = modelId;
    this.topic = topic;
    this.kafka = new HashMap<>(kafka);
    this.modelWait = modelWait;
    this.kafkaTimeout = kafkaTimeout;
    this.inputs = inputs;
    this.outputs = List.copyOf(outputs);
  }

  @Override
  public void open(FunctionContext context) throws Exception {
    SnapshotFollower.Builder b =
        SnapshotFollower.builder().topic(topic).modelIds(Set.of(modelId)).timeout(kafkaTimeout);
    kafka.forEach(b::property);
    follower = b.build();
    unpredictable = context.getMetricGroup().counter("unpredictableRows");
    sparse = new SparseBatch();
    out = new float[1];
  }

  @Override
  public Collection<RowData> predict(RowData inputRow) {
    ServedModel model = follower.latest(modelId);
    if (model == null) {
      try {
        model = follower.await(modelId, 0, modelWait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for model " + modelId, e);
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "streamgrad model '" + modelId + "' has no snapshot: " + e.getMessage(), e);
      }
    }
    checkInputs(model);
    float[] x = inputs.features() < 0 ? new float[0] : features(inputRow, model.features());
    boolean sparseOk = inputs.tokens() < 0 || tokens(inputRow, model.hashBits());
    Float prediction = null;
    if (x != null && sparseOk && (x.length > 0 || inputs.tokens() >= 0)) {
      model.predict(x, inputs.tokens() < 0 ? null : sparse, 1, out);
      prediction = out[0];
    }
    if (prediction == null) {
      unpredictable.inc();
      if (!warned) {
        warned = true;
        LOG.warn(
            "ML_PREDICT with streamgrad model {}: a row without {} finite features (or with a"
                + " null or empty token) gets a NULL prediction (counted in unpredictableRows;"
                + " logged once)",
            Printable.escape(modelId),
            model.features());
      }
    }
    GenericRowData out = new GenericRowData(outputs.size());
    for (int i = 0; i < outputs.size(); i++) {
      out.setField(
          i,
          switch (outputs.get(i)) {
            case "float" -> prediction;
            case "double" -> prediction == null ? null : (double) prediction;
            case StreamgradModelProviderFactory.MODEL_VERSION -> model.version();
            case StreamgradModelProviderFactory.MODEL_TIMESTAMP ->
                TimestampData.fromEpochMillis(model.timestampMillis());
            default -> throw new AssertionError(outputs.get(i));
          });
    }
    return List.of(out);
  }

  /** The MODEL's input columns against the model's parts: a mismatch fails the query. */
  private void checkInputs(ServedModel model) {
    String problem = null;
    if (model.hashBits() > 0 && inputs.tokens() < 0) {
      problem =
          "is a sparse model (2^"
              + model.hashBits()
              + " hashed coordinates): declare its tokens, an ARRAY<STRING> input column";
    } else if (model.hashBits() == 0 && inputs.tokens() >= 0) {
      problem = "has no sparse part, but the MODEL declares tokens";
    } else if (model.features() > 0 && inputs.features() < 0) {
      problem = "takes " + model.features() + " dense features: declare an ARRAY<FLOAT> column";
    }
    if (problem != null) {
      throw new IllegalStateException("streamgrad model '" + modelId + "' " + problem);
    }
  }

  /** The row's tokens as the batch's one row; false when they cannot be predicted. */
  private boolean tokens(RowData row, int bits) {
    sparse.clear();
    if (row.isNullAt(inputs.tokens())) {
      return false;
    }
    ArrayData a = row.getArray(inputs.tokens());
    for (int i = 0; i < a.size(); i++) {
      if (a.isNullAt(i)) {
        return false;
      }
      String token = a.getString(i).toString();
      if (token.isEmpty()) {
        return false;
      }
      sparse.add(FeatureHashing.index(token, bits), 1f);
    }
    sparse.endRow();
    return true;
  }

  /** The row's features, or null when they cannot be predicted. */
  private float[] features(RowData row, int expected) {
    int at = inputs.features();
    if (row.isNullAt(at)) {
      return null;
    }
    ArrayData a = row.getArray(at);
    if (a.size() != expected) {
      return null;
    }
    float[] x = new float[expected];
    for (int i = 0; i < expected; i++) {
      if (a.isNullAt(i)) {
        return null;
      }
      x[i] = inputs.doubles() ? (float) a.getDouble(i) : a.getFloat(i);
      if (!Float.isFinite(x[i])) {
        return null;
      }
    }
    return x;
  }

  @Override
  public void close() throws Exception {
    if (follower != null) {
      follower.close();
    }
  }
}
