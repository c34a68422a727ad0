package io.streamgrad.flink;

import io.streamgrad.flink.operator.DriftEvents;
import io.streamgrad.flink.operator.FeedbackTrainerOperator;
import io.streamgrad.flink.operator.ModelLifecycle;
import io.streamgrad.flink.operator.OnlineTrainerOperator;
import io.streamgrad.flink.operator.ServingTrainerOperator;
import io.streamgrad.flink.types.DenseSampleSerializer;
import io.streamgrad.flink.types.DenseSampleTypeInfo;
import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.online.live.PerModelMetrics;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.online.snapshot.WarmStart;
import io.streamgrad.online.train.OptimizerSpec;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Online training of one model per {@code modelId} on a stream of {@link Sample}s, emitting {@link
 * WeightSnapshot}s:
 *
 * <pre>{@code
 * OnlineTrainer trainer = OnlineTrainer.builder()
 *     .features(16)
 *     .model(Models.linear())
 *     .loss(Losses::mse)
 *     .optimizer(Optimizers.sgd(0.01))
 *     .batchSize(64)
 *     .maxBatchDelay(Duration.ofMillis(200))
 *     .snapshotEvery(10)
 *     .build();
 * SingleOutputStreamOperator<WeightSnapshot> snapshots = trainer.train(samples);
 * DataStream<DeadLetter> rejected = snapshots.getSideOutput(OnlineTrainer.REJECTED);
 * }</pre>
 */
public final class OnlineTrainer implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Samples the trainer refuses (e.g. a wrong feature count), with the reason. */
  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("streamgrad-rejected", new AvroTypeInfo<>(DeadLetter.class));

  /**
   * Predictions made in the training job: answers to requests ({@link #trainAndServe}) and, with
   * {@link Builder#prequentialPredictions}, each sample's prediction before it was trained on.
   */
  public static final OutputTag<Prediction> PREDICTIONS =
      new OutputTag<>("streamgrad-predictions", new AvroTypeInfo<>(Prediction.class));

  /**
   * Drifts the trainer detected (with {@link QualitySpec#drift}), one {@link DriftEvent} each: the
   * model, where, the error before and after, and the action taken.
   */
  public static final OutputTag<DriftEvent> DRIFTS = DriftEvents.TAG;

  /**
   * With {@link #trainWithFeedback}: each model's accounting of events and labels and its
   * served-prediction metrics, when they changed (at most once per report interval) and at the end
   * of the input.
   */
  public static final OutputTag<FeedbackReport> FEEDBACK_REPORTS =
      new OutputTag<>("streamgrad-feedback-reports", new AvroTypeInfo<>(FeedbackReport.class));

  /** How often changed models are reported by default. */
  public static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(10);

  /** Snapshots the quality gate ({@link QualitySpec#publishIf}) held back from the main output. */
  public static final OutputTag<WeightSnapshot> HELD_BACK = DriftEvents.HELD_BACK;

  /** The operator's uid: keep it stable so savepoints map back to it. */
  public static final String UID = "streamgrad-online-trainer";

  static {
    AvroTrust.install();
  }

  private final TrainerConfig config;
  private final ModelLifecycle lifecycle;
  private final boolean prequentialPredictions;

  private OnlineTrainer(
      TrainerConfig config, ModelLifecycle lifecycle, boolean prequentialPredictions) {
    this.config = config;
    this.lifecycle = lifecycle;
    this.prequentialPredictions = prequentialPredictions;
  }

  public static Builder builder() {
    return new Builder();
  }

  public TrainerConfig config() {
    return config;
  }

  /** How the operator holds its models: cache bound, idle expiry, per-model metrics. */
  public ModelLifecycle lifecycle() {
    return lifecycle;
  }

  /** Keys {@code samples} by model id and trains; rejected samples go to {@link #REJECTED}. */
  public SingleOutputStreamOperator<WeightSnapshot> train(DataStream<Sample> samples) {
    return trainDense(
        samples
            .map(new ToDense())
            .returns(denseSampleType())
            .name("To dense samples")
            .uid(UID + "-to-dense"));
  }

  /**
   * The same on {@link DenseSample}s, which is what the Kafka job decodes into: no boxed features
   * anywhere between the source and the batch buffer.
   */
  public SingleOutputStreamOperator<WeightSnapshot> trainDense(DataStream<DenseSample> samples) {
    return keyedByModel(samples)
        .transform(
            "OnlineTrainer(" + config.model.name() + ", " + config.optimizer + ")",
            snapshotType(),
            operator())
        .uid(UID);
  }

  /**
   * {@code samples} keyed by model id. At parallelism 1 the one trainer subtask owns every key
   * group, so the stream already is keyed as Flink would key it: it is reinterpreted as keyed and
   * the trainer chained to what feeds it (no serialization, no network buffer, no second thread per
   * sample). At higher parallelism a record may be read by a subtask that does not own its model,
   * so the {@code keyBy} stays. A job built at parallelism 1 and rescaled from a savepoint is
   * rebuilt with the {@code keyBy}: operator uids and keyed state are the same either way.
   */
  public static KeyedStream<DenseSample, String> keyedByModel(DataStream<DenseSample> samples) {
    if (samples.getParallelism() == 1 && samples.getExecutionEnvironment().getParallelism() == 1) {
      return DataStreamUtils.reinterpretAsKeyedStream(
          samples, DenseSample::getModelId, Types.STRING);
    }
    return samples.keyBy(DenseSample::getModelId, Types.STRING);
  }

  /**
   * Trains on {@code samples} and answers {@code requests} with the live model of their key, in the
   * same keyed operator (zero staleness: no snapshot round trip). Predictions go to {@link
   * #PREDICTIONS}; refused requests (no model yet, a wrong feature count, …) to {@link #REJECTED}.
   */
  public SingleOutputStreamOperator<WeightSnapshot> trainAndServe(
      DataStream<DenseSample> samples, DataStream<DenseRequest> requests) {
    return samples
        .keyBy(DenseSample::getModelId, Types.STRING)
        .connect(requests.keyBy(DenseRequest::getModelId, Types.STRING))
        .transform(
            "OnlineTrainer(" + config.model.name() + ", " + config.optimizer + ") + requests",
            snapshotType(),
            new ServingTrainerOperator(
                config, lifecycle, REJECTED, PREDICTIONS, prequentialPredictions))
        .uid(UID);
  }

  /**
   * Serves {@code requests} with the live model of their key and learns from their outcomes, which
   * come later on {@code labels} (or never): the feedback join ({@link FeedbackConfig}), in event
   * time — both streams need timestamps and watermarks. Predictions go to {@link #PREDICTIONS};
   * refused requests, labels and events to {@link #REJECTED}; each model's accounting and
   * served-prediction metrics to {@link #FEEDBACK_REPORTS}, every {@code reportInterval} at most.
   */
  public SingleOutputStreamOperator<WeightSnapshot> trainWithFeedback(
      DataStream<DenseRequest> requests,
      DataStream<Label> labels,
      FeedbackConfig feedback,
      Duration reportInterval) {
    return requests
        .keyBy(DenseRequest::getModelId, Types.STRING)
        .connect(labels.keyBy(Label::getModelId, Types.STRING))
        .transform(
            "OnlineTrainer(" + config.model.name() + ", " + config.optimizer + ") + feedback",
            snapshotType(),
            new FeedbackTrainerOperator(
                config,
                lifecycle,
                feedback,
                REJECTED,
                PREDICTIONS,
                FEEDBACK_REPORTS,
                reportInterval.toMillis()))
        .uid(UID);
  }

  /** Flink's type of {@link Label}s (Avro). */
  public static TypeInformation<Label> labelType() {
    return new AvroTypeInfo<>(Label.class);
  }

  /** A new operator instance, for custom topologies and test harnesses. */
  public OnlineTrainerOperator operator() {
    return new OnlineTrainerOperator(
        config, lifecycle, REJECTED, PREDICTIONS, prequentialPredictions);
  }

  /** Whether trained samples' predictions go to {@link #PREDICTIONS}. */
  public boolean prequentialPredictions() {
    return prequentialPredictions;
  }

  /** Flink's type of {@link DenseSample}: {@link DenseSampleSerializer}, no reflection, no Kryo. */
  public static TypeInformation<DenseSample> denseSampleType() {
    return DenseSampleTypeInfo.INSTANCE;
  }

  private static final class ToDense implements MapFunction<Sample, DenseSample> {
    private static final long serialVersionUID = 1L;

    @Override
    public DenseSample map(Sample s) {
      return DenseSample.of(s);
    }
  }

  public static TypeInformation<Sample> sampleType() {
    return new AvroTypeInfo<>(Sample.class);
  }

  public static TypeInformation<WeightSnapshot> snapshotType() {
    return new AvroTypeInfo<>(WeightSnapshot.class);
  }

  /**
   * Fluent configuration, validated by {@link #build()}: the model's ({@link
   * TrainerConfig.Builder}) and how the operator holds its models.
   */
  public static final class Builder {
    private final TrainerConfig.Builder config = TrainerConfig.builder();
    private int maxLiveModels = ModelLifecycle.AUTO;
    private Duration modelTtl = Duration.ZERO;
    private PerModelMetrics perModelMetrics = PerModelMetrics.DEFAULT;
    private boolean prequentialPredictions;
    private Map<String, WeightSnapshot> initialModels = Map.of();
    private Map<String, SparseModelAssembler> initialSparseModels = Map.of();

    private Builder() {}

    /** See {@link TrainerConfig.Builder#quality}. */
    public Builder quality(QualitySpec quality) {
      config.quality(quality);
      return this;
    }

    /**
     * Test-then-train: for every sample trained on, the prediction the model made for it before the
     * update goes to {@link #PREDICTIONS}, with the sample's label and the version that made it
     * (taken from the training step's own forward pass: no extra work per sample).
     */
    public Builder prequentialPredictions(boolean enabled) {
      this.prequentialPredictions = enabled;
      return this;
    }

    /** See {@link TrainerConfig.Builder#features}. */
    public Builder features(int features) {
      config.features(features);
      return this;
    }

    /** See {@link TrainerConfig.Builder#model}. */
    public Builder model(ModelFactory model) {
      config.model(model);
      return this;
    }

    /** See {@link TrainerConfig.Builder#loss}. */
    public Builder loss(Loss loss) {
      config.loss(loss);
      return this;
    }

    /** See {@link TrainerConfig.Builder#optimizer}. */
    public Builder optimizer(OptimizerSpec optimizer) {
      config.optimizer(optimizer);
      return this;
    }

    /** See {@link TrainerConfig.Builder#batchSize}. */
    public Builder batchSize(int batchSize) {
      config.batchSize(batchSize);
      return this;
    }

    /** See {@link TrainerConfig.Builder#maxBatchDelay}. */
    public Builder maxBatchDelay(Duration delay) {
      config.maxBatchDelay(delay);
      return this;
    }

    /** See {@link TrainerConfig.Builder#snapshotEvery}. */
    public Builder snapshotEvery(int updates) {
      config.snapshotEvery(updates);
      return this;
    }

    /** See {@link TrainerConfig.Builder#seed}. */
    public Builder seed(long seed) {
      config.seed(seed);
      return this;
    }

    /** See {@link TrainerConfig.Builder#gradClipNorm}. */
    public Builder gradClipNorm(double maxNorm) {
      config.gradClipNorm(maxNorm);
      return this;
    }

    /** See {@link TrainerConfig.Builder#snapshotOptimizerState}. */
    public Builder snapshotOptimizerState(boolean enabled) {
      config.snapshotOptimizerState(enabled);
      return this;
    }

    /**
     * Warm start ({@link WarmStart}): a model with no state of its own (a new job, not one restored
     * from a checkpoint or savepoint) starts from its snapshot here.
     */
    public Builder initialModels(Map<String, WeightSnapshot> snapshots) {
      this.initialModels = Objects.requireNonNull(snapshots, "initialModels");
      return this;
    }

    /**
     * Warm start of sparse models from the versions their snapshots rebuilt ({@link WarmStart}).
     */
    public Builder initialSparseModels(Map<String, SparseModelAssembler> models) {
      this.initialSparseModels = Objects.requireNonNull(models, "initialSparseModels");
      return this;
    }

    /**
     * At most this many models per subtask stay in memory; one not used recently is written to
     * keyed state and evicted when another is needed, and restored from there on its next sample
     * (what a model learns does not depend on it). By default ({@link ModelLifecycle#AUTO}) the
     * cache is bounded by bytes instead: a quarter of the task manager's heap, shared by its slots.
     * With many more models than fit, use RocksDB state so that the others are on disk.
     */
    public Builder maxLiveModels(int models) {
      this.maxLiveModels = models;
      return this;
    }

    /**
     * A model without samples for this long (processing time) is dropped from state, after its
     * partial batch is trained and its final snapshot emitted; a later sample starts it afresh (or
     * from its warm-start snapshot). {@link Duration#ZERO} (the default): never.
     */
    public Builder modelTtl(Duration ttl) {
      this.modelTtl = Objects.requireNonNull(ttl, "modelTtl");
      return this;
    }

    /** Which models get their own metric group; {@link PerModelMetrics#DEFAULT} by default. */
    public Builder perModelMetrics(PerModelMetrics which) {
      this.perModelMetrics = Objects.requireNonNull(which, "perModelMetrics");
      return this;
    }

    public OnlineTrainer build() {
      if (modelTtl.isNegative()) {
        throw new IllegalArgumentException("modelTtl must not be negative, got " + modelTtl);
      }
      ModelLifecycle lifecycle =
          new ModelLifecycle(maxLiveModels, modelTtl.toMillis(), perModelMetrics);
      // Fail at build time, not on a task manager.
      return new OnlineTrainer(
          WarmStart.apply(config.build(), initialModels, initialSparseModels),
          lifecycle,
          prequentialPredictions);
    }
  }
}
