package io.streamgrad.flink;

import io.streamgrad.flink.operator.DriftEvents;
import io.streamgrad.flink.operator.ModelLifecycle;
import io.streamgrad.flink.operator.OnlineTrainerOperator;
import io.streamgrad.flink.operator.PerModelMetrics;
import io.streamgrad.flink.operator.ServingTrainerOperator;
import io.streamgrad.flink.operator.Snapshots;
import io.streamgrad.flink.train.ModelTrainer;
import io.streamgrad.flink.train.OptimizerSpec;
import io.streamgrad.flink.train.Optimizers;
import io.streamgrad.flink.train.QualitySpec;
import io.streamgrad.flink.train.TrainerConfig;
import io.streamgrad.flink.train.TrainerState;
import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.serving.SparseModelAssembler;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
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
    return samples
        .keyBy(DenseSample::getModelId, Types.STRING)
        .transform(
            "OnlineTrainer(" + config.model.name() + ", " + config.optimizer + ")",
            snapshotType(),
            operator())
        .uid(UID);
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

  /** A new operator instance, for custom topologies and test harnesses. */
  public OnlineTrainerOperator operator() {
    return new OnlineTrainerOperator(
        config, lifecycle, REJECTED, PREDICTIONS, prequentialPredictions);
  }

  /** Whether trained samples' predictions go to {@link #PREDICTIONS}. */
  public boolean prequentialPredictions() {
    return prequentialPredictions;
  }

  /** Flink's POJO type of {@link DenseSample} (field-wise serialization, no Kryo). */
  public static TypeInformation<DenseSample> denseSampleType() {
    return TypeInformation.of(DenseSample.class);
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

  /** Fluent configuration, validated by {@link #build()}. */
  public static final class Builder {
    private int features;
    private ModelFactory model = Models.linear();
    private Loss loss;
    private OptimizerSpec optimizer = Optimizers.sgd(0.01);
    private int batchSize = 64;
    private Duration maxBatchDelay = Duration.ZERO;
    private int snapshotEvery = 1;
    private long seed = 42L;
    private double gradClipNorm;
    private boolean snapshotOptimizerState;
    private Map<String, WeightSnapshot> initialModels = Map.of();
    private Map<String, SparseModelAssembler> initialSparseModels = Map.of();
    private int maxLiveModels = ModelLifecycle.AUTO;
    private Duration modelTtl = Duration.ZERO;
    private PerModelMetrics perModelMetrics = PerModelMetrics.DEFAULT;
    private boolean prequentialPredictions;
    private QualitySpec quality = QualitySpec.DEFAULT;

    private Builder() {}

    /**
     * Preprocessing, prequential metrics, drift detection and the quality gate ({@link
     * QualitySpec#DEFAULT}: metrics only).
     */
    public Builder quality(QualitySpec quality) {
      this.quality = Objects.requireNonNull(quality, "quality");
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

    /** Number of input features d of every sample (required). */
    public Builder features(int features) {
      this.features = features;
      return this;
    }

    /** The model; {@link Models#linear()} by default. */
    public Builder model(ModelFactory model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** The loss; by default the model's own ({@code mse} for linear, BCE for logistic). */
    public Builder loss(Loss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    /** The optimizer; {@code sgd(0.01)} by default. */
    public Builder optimizer(OptimizerSpec optimizer) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      return this;
    }

    /** Samples per update (default 64). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Trains on a partial batch once its first sample has waited this long (processing time).
     * {@link Duration#ZERO} (the default) disables it: batches are then formed by count only, which
     * keeps replays after a failure bit-identical.
     */
    public Builder maxBatchDelay(Duration delay) {
      this.maxBatchDelay = Objects.requireNonNull(delay, "maxBatchDelay");
      return this;
    }

    /** Emit a snapshot every this many updates (default 1: every update). */
    public Builder snapshotEvery(int updates) {
      this.snapshotEvery = updates;
      return this;
    }

    /** Seed of parameter initialisation (models with random init, e.g. MLPs). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Rescales each batch's gradients so their global L2 norm is at most {@code maxNorm} ({@code
     * clip_grad_norm_}); 0 (the default) disables clipping.
     */
    public Builder gradClipNorm(double maxNorm) {
      this.gradClipNorm = maxNorm;
      return this;
    }

    /** Snapshots also carry the optimizer's state, so a warm start from them is exact. */
    public Builder snapshotOptimizerState(boolean enabled) {
      this.snapshotOptimizerState = enabled;
      return this;
    }

    /**
     * Warm start: a model with no state of its own (a new job, not one restored from a checkpoint
     * or savepoint) starts from its snapshot here — its parameters, version, samplesSeen and, when
     * the snapshot carries it, its optimizer state.
     */
    public Builder initialModels(Map<String, WeightSnapshot> snapshots) {
      this.initialModels = Objects.requireNonNull(snapshots, "initialModels");
      return this;
    }

    /**
     * Warm start of sparse models: each model without state starts from the version its snapshots
     * rebuilt ({@link SparseModelAssembler}): its dense side, version and counts as {@link
     * #initialModels} gives them, and its tables' non-zero rows (they travel in the job's
     * configuration). The tables' optimizer state starts fresh; FTRL's is set to give the same
     * weights ({@code n = 0}: the coordinates' learning rates start again).
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
      if (maxBatchDelay.isNegative()) {
        throw new IllegalArgumentException(
            "maxBatchDelay must not be negative, got " + maxBatchDelay);
      }
      if (modelTtl.isNegative()) {
        throw new IllegalArgumentException("modelTtl must not be negative, got " + modelTtl);
      }
      ModelLifecycle lifecycle =
          new ModelLifecycle(maxLiveModels, modelTtl.toMillis(), perModelMetrics);
      // Fail at build time, not on a task manager.
      TrainerConfig cfg =
          new TrainerConfig(
                  features,
                  model,
                  loss != null ? loss : model.defaultLoss(),
                  optimizer,
                  batchSize,
                  maxBatchDelay.toMillis(),
                  snapshotEvery,
                  seed,
                  (float) gradClipNorm,
                  snapshotOptimizerState,
                  Map.of(),
                  quality)
              .validate();
      if (initialModels.isEmpty() && initialSparseModels.isEmpty()) {
        return new OnlineTrainer(cfg, lifecycle, prequentialPredictions);
      }
      // Checked here, against this model and optimizer: a snapshot that does not fit fails the
      // build.
      Map<String, TrainerState> initial = new HashMap<>();
      Map<String, ModelTrainer.SparseRows> tables = new HashMap<>();
      for (Map.Entry<String, WeightSnapshot> e : initialModels.entrySet()) {
        if (cfg.sparseModel()) {
          throw new IllegalArgumentException(
              "model " + e.getKey() + ": a sparse model starts from initialSparseModels");
        }
        initial.put(e.getKey(), Snapshots.toState(cfg, e.getValue()));
      }
      for (Map.Entry<String, SparseModelAssembler> e : initialSparseModels.entrySet()) {
        SparseModelAssembler a = e.getValue();
        if (a.model() == null) {
          throw new IllegalArgumentException(
              "model " + e.getKey() + ": its snapshots hold no full update to start from");
        }
        if (!cfg.model.spec(cfg.features).equals(a.spec())) {
          throw new IllegalArgumentException(
              "model "
                  + e.getKey()
                  + " was trained as "
                  + a.spec()
                  + ", this trainer's model is "
                  + cfg.model.spec(cfg.features));
        }
        initial.put(e.getKey(), Snapshots.toState(cfg, a.head()));
        tables.put(e.getKey(), ModelTrainer.SparseRows.nonZero(a.model()));
      }
      return new OnlineTrainer(
          cfg.withInitialModels(initial, tables), lifecycle, prequentialPredictions);
    }
  }
}
