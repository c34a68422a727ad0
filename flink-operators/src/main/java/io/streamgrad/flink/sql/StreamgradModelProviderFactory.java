package io.streamgrad.flink.sql;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Flink SQL's {@code ML_PREDICT} with streamgrad's models, served from the snapshot topic and
 * followed while the query runs:
 *
 * <pre>{@code
 * CREATE MODEL m INPUT (features ARRAY<FLOAT>) OUTPUT (prediction FLOAT, model_version BIGINT)
 * WITH ('provider' = 'streamgrad', 'model-id' = 'm1', 'snapshots-topic' = 'snapshots',
 *       'properties.bootstrap.servers' = 'localhost:9092');
 * SELECT * FROM ML_PREDICT(TABLE requests, MODEL m, DESCRIPTOR(features));
 * }</pre>
 *
 * <p>Input: the features, one {@code ARRAY<FLOAT>} (or {@code ARRAY<DOUBLE>}) column; for a sparse
 * model ({@code sparse-logistic}, {@code sparse-linear}, {@code fm}) also, or only, its tokens, an
 * {@code ARRAY<STRING>} column hashed with the model's {@code hashBits} ({@code INPUT (features
 * ARRAY<FLOAT>, tokens ARRAY<STRING>)}, {@code DESCRIPTOR(features, tokens)}). Output: the
 * prediction first ({@code FLOAT} or {@code DOUBLE}: the model's output with its link, a
 * probability for logistic models), then optionally {@code model_version BIGINT} and {@code
 * model_timestamp TIMESTAMP_LTZ(3)}. Any other {@code properties.*} option is a Kafka consumer
 * property.
 */
public final class StreamgradModelProviderFactory implements ModelProviderFactory {

  public static final String IDENTIFIER = "streamgrad";

  public static final ConfigOption<String> MODEL_ID =
      ConfigOptions.key("model-id")
          .stringType()
          .noDefaultValue()
          .withDescription("The model id whose snapshots serve the predictions.");

  public static final ConfigOption<String> SNAPSHOTS_TOPIC =
      ConfigOptions.key("snapshots-topic")
          .stringType()
          .defaultValue("snapshots")
          .withDescription("The topic of the training job's snapshots.");

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      ConfigOptions.key("properties.bootstrap.servers")
          .stringType()
          .noDefaultValue()
          .withDescription("Kafka bootstrap servers.");

  public static final ConfigOption<Duration> MODEL_WAIT =
      ConfigOptions.key("model-wait")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "How long a prediction waits for the model's first snapshot before the query fails.");

  public static final ConfigOption<Duration> KAFKA_TIMEOUT =
      ConfigOptions.key("kafka-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("How long to wait for Kafka to describe the snapshot topic.");

  /** The optional output columns, besides the prediction. */
  static final String MODEL_VERSION = "model_version";

  static final String MODEL_TIMESTAMP = "model_timestamp";

  private static final String KAFKA_PREFIX = "properties.";

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(MODEL_ID, BOOTSTRAP_SERVERS);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(SNAPSHOTS_TOPIC, MODEL_WAIT, KAFKA_TIMEOUT);
  }

  @Override
  public ModelProvider createModelProvider(Context context) {
    FactoryUtil.ModelProviderFactoryHelper helper =
        FactoryUtil.createModelProviderFactoryHelper(this, context);
    helper.validateExcept(KAFKA_PREFIX);
    ReadableConfig options = helper.getOptions();
    ResolvedSchema input = context.getCatalogModel().getResolvedInputSchema();
    ResolvedSchema output = context.getCatalogModel().getResolvedOutputSchema();
    SnapshotPredictFunction.Inputs inputs = checkInput(input);
    List<String> outputs = checkOutput(output);
    Map<String, String> kafka = new HashMap<>();
    context
        .getCatalogModel()
        .getOptions()
        .forEach(
            (k, v) -> {
              if (k.startsWith(KAFKA_PREFIX)) {
                kafka.put(k.substring(KAFKA_PREFIX.length()), v);
              }
            });
    SnapshotPredictFunction function =
        new SnapshotPredictFunction(
            options.get(MODEL_ID),
            options.get(SNAPSHOTS_TOPIC),
            kafka,
            options.get(MODEL_WAIT),
            options.get(KAFKA_TIMEOUT),
            inputs,
            outputs);
    return new Provider(function);
  }

  /**
   * At most one ARRAY<FLOAT> or ARRAY<DOUBLE> column (the features) and at most one ARRAY<STRING>
   * column (a sparse model's tokens), at least one of them.
   */
  private static SnapshotPredictFunction.Inputs checkInput(ResolvedSchema input) {
    List<Column> columns = input.getColumns();
    int features = -1;
    int tokens = -1;
    boolean doubles = false;
    boolean ok = !columns.isEmpty() && columns.size() <= 2;
    for (int i = 0; ok && i < columns.size(); i++) {
      LogicalType t = columns.get(i).getDataType().getLogicalType();
      LogicalTypeRoot e = t instanceof ArrayType a ? a.getElementType().getTypeRoot() : null;
      if ((e == LogicalTypeRoot.FLOAT || e == LogicalTypeRoot.DOUBLE) && features < 0) {
        features = i;
        doubles = e == LogicalTypeRoot.DOUBLE;
      } else if ((e == LogicalTypeRoot.VARCHAR || e == LogicalTypeRoot.CHAR) && tokens < 0) {
        tokens = i;
      } else {
        ok = false;
      }
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "a streamgrad model takes an input column of type ARRAY<FLOAT> or ARRAY<DOUBLE> (the"
              + " features) and, for a sparse model, one of type ARRAY<STRING> (its tokens), not "
              + input.getColumns());
    }
    return new SnapshotPredictFunction.Inputs(features, doubles, tokens);
  }

  /** The prediction (FLOAT or DOUBLE) first, then model_version and model_timestamp if wanted. */
  private static List<String> checkOutput(ResolvedSchema output) {
    List<Column> columns = output.getColumns();
    String allowed =
        "a streamgrad model's output is the prediction (FLOAT or DOUBLE), then optionally "
            + MODEL_VERSION
            + " BIGINT and "
            + MODEL_TIMESTAMP
            + " TIMESTAMP_LTZ(3); got "
            + columns;
    if (columns.isEmpty()) {
      throw new IllegalArgumentException(allowed);
    }
    LogicalTypeRoot first = columns.get(0).getDataType().getLogicalType().getTypeRoot();
    if (first != LogicalTypeRoot.FLOAT && first != LogicalTypeRoot.DOUBLE) {
      throw new IllegalArgumentException(allowed);
    }
    List<String> kinds = new java.util.ArrayList<>();
    kinds.add(first == LogicalTypeRoot.FLOAT ? "float" : "double");
    for (Column c : columns.subList(1, columns.size())) {
      LogicalTypeRoot r = c.getDataType().getLogicalType().getTypeRoot();
      if (c.getName().equals(MODEL_VERSION) && r == LogicalTypeRoot.BIGINT) {
        kinds.add(MODEL_VERSION);
      } else if (c.getName().equals(MODEL_TIMESTAMP)
          && r == LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE) {
        kinds.add(MODEL_TIMESTAMP);
      } else {
        throw new IllegalArgumentException(allowed);
      }
    }
    return kinds;
  }

  /** Predictions one row at a time, from the newest snapshot. */
  static final class Provider implements PredictRuntimeProvider {
    private final SnapshotPredictFunction function;

    Provider(SnapshotPredictFunction function) {
      this.function = function;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
      return function;
    }

    @Override
    public ModelProvider copy() {
      return new Provider(function);
    }
  }
}
