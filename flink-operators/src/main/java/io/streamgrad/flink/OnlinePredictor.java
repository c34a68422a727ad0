package io.streamgrad.flink;

import io.streamgrad.flink.predict.OnlinePredictorOperator;
import io.streamgrad.online.serving.PredictorConfig;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Serving with the newest version of each model: requests keyed by {@code modelId}, connected with
 * the models' snapshots (from the snapshot topic, or an {@link OnlineTrainer}'s output in the same
 * job), answered in micro-batches with one forward pass each.
 *
 * <pre>{@code
 * OnlinePredictor predictor = OnlinePredictor.builder()
 *     .maxBatchSize(64)
 *     .maxBatchDelay(Duration.ofMillis(2))
 *     .noModelWait(Duration.ofSeconds(30))
 *     .maxModelAge(Duration.ofMinutes(10))      // refuse (or flag) predictions of older models
 *     .build();
 * SingleOutputStreamOperator<Prediction> predictions = predictor.predict(requests, snapshots);
 * DataStream<DeadLetter> refused = predictions.getSideOutput(OnlinePredictor.REJECTED);
 * }</pre>
 */
public final class OnlinePredictor implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Requests that cannot be answered (and unservable snapshots), with the reason. */
  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("streamgrad-predictor-rejected", new AvroTypeInfo<>(DeadLetter.class));

  /** The operator's uid: keep it stable so savepoints map back to it. */
  public static final String UID = "streamgrad-online-predictor";

  static {
    AvroTrust.install();
  }

  private final PredictorConfig config;

  private OnlinePredictor(PredictorConfig config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  public PredictorConfig config() {
    return config;
  }

  /** Answers {@code requests} with the newest of {@code snapshots} per model id. */
  public SingleOutputStreamOperator<Prediction> predict(
      DataStream<DenseRequest> requests, DataStream<WeightSnapshot> snapshots) {
    return requests
        .keyBy(DenseRequest::getModelId, Types.STRING)
        .connect(snapshots.keyBy(WeightSnapshot::getModelId, Types.STRING))
        .transform("OnlinePredictor(" + config + ")", predictionType(), operator())
        .uid(UID);
  }

  /** A new operator instance, for custom topologies and test harnesses. */
  public OnlinePredictorOperator operator() {
    return new OnlinePredictorOperator(config, REJECTED);
  }

  /** Flink's POJO type of {@link DenseRequest} (field-wise serialization, no Kryo). */
  public static TypeInformation<DenseRequest> denseRequestType() {
    return TypeInformation.of(DenseRequest.class);
  }

  public static TypeInformation<Prediction> predictionType() {
    return new AvroTypeInfo<>(Prediction.class);
  }

  /** Fluent configuration, validated by {@link #build()}. */
  public static final class Builder {
    private int maxBatchSize = 64;
    private Duration maxBatchDelay = Duration.ofMillis(2);
    private Duration noModelWait = Duration.ofSeconds(30);
    private Duration maxModelAge = Duration.ZERO;
    private PredictorConfig.StalePolicy stalePolicy = PredictorConfig.StalePolicy.REFUSE;
    private int maxLiveModels = 10_000;
    private boolean snapshotsFirst;

    private Builder() {}

    /** Requests of one model answered by one forward pass, at most (default 64). */
    public Builder maxBatchSize(int requests) {
      this.maxBatchSize = requests;
      return this;
    }

    /**
     * How long a request may wait for others to fill its batch (processing time, default 2 ms);
     * {@link Duration#ZERO} answers every request at once.
     */
    public Builder maxBatchDelay(Duration delay) {
      this.maxBatchDelay = Objects.requireNonNull(delay, "maxBatchDelay");
      return this;
    }

    /**
     * How long a request for a model without any snapshot yet is held before it is dead-lettered as
     * {@code no model} (default 30 s; {@link Duration#ZERO}: at once).
     */
    public Builder noModelWait(Duration wait) {
      this.noModelWait = Objects.requireNonNull(wait, "noModelWait");
      return this;
    }

    /**
     * Predictions from a snapshot older than this (its timestamp against processing time) are
     * refused as {@code model too old}, or flagged with {@link #flagStale()}; {@link Duration#ZERO}
     * (the default): any age.
     */
    public Builder maxModelAge(Duration age) {
      this.maxModelAge = Objects.requireNonNull(age, "maxModelAge");
      return this;
    }

    /** Answer requests of a model older than {@link #maxModelAge} with {@code stale = true}. */
    public Builder flagStale() {
      this.stalePolicy = PredictorConfig.StalePolicy.FLAG;
      return this;
    }

    /** Built models kept per subtask (default 10,000); the others are rebuilt from state. */
    public Builder maxLiveModels(int models) {
      this.maxLiveModels = models;
      return this;
    }

    /**
     * For a bounded snapshot input only (backfills, tests): hold every request (in state) until the
     * snapshots have ended, so that each is answered by its model's final version.
     */
    public Builder snapshotsFirst() {
      this.snapshotsFirst = true;
      return this;
    }

    public OnlinePredictor build() {
      return new OnlinePredictor(
          new PredictorConfig(
                  maxBatchSize,
                  maxBatchDelay.toMillis(),
                  noModelWait.toMillis(),
                  maxModelAge.toMillis(),
                  stalePolicy,
                  maxLiveModels,
                  snapshotsFirst)
              .validate());
    }
  }
}
