package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlinePredictor;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How the predictor answers: micro-batches, the wait for a first model, the allowed model age. */
final class PredictorOptions {
  @Option(
      names = "--request-batch-size",
      defaultValue = "64",
      description =
          "Requests of one model answered by one forward pass, at most (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--request-batch-delay-ms",
      defaultValue = "2",
      description =
          "How long a request may wait for others to fill its batch; 0 answers each at once (default: ${DEFAULT-VALUE}).")
  long batchDelayMs;

  @Option(
      names = "--no-model-wait",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "How long a request for a model without any snapshot yet is held before it goes to the dead letters as 'no model' (default: ${DEFAULT-VALUE}).")
  Duration noModelWait = Duration.ofSeconds(30);

  @Option(
      names = "--max-model-age",
      converter = DurationConverter.class,
      description =
          "Refuse (or, with --stale-models flag, flag) predictions from a snapshot older than this, e.g. 10m (default: any age).")
  Duration maxModelAge;

  @Option(
      names = "--stale-models",
      defaultValue = "refuse",
      description =
          "What --max-model-age does with an older model's predictions: refuse (dead letter 'model too old') or flag (stale=true) (default: ${DEFAULT-VALUE}).")
  String staleModels;

  void validate() {
    Check.positive("--request-batch-size", batchSize);
    Check.atLeast("--request-batch-delay-ms", batchDelayMs, 0);
    if (noModelWait.isNegative()) {
      throw new BadOption("--no-model-wait must not be negative");
    }
    if (maxModelAge != null && !(maxModelAge.toMillis() > 0)) {
      throw new BadOption("--max-model-age must be positive, got " + maxModelAge.toMillis() + "ms");
    }
    Check.oneOf("--stale-models", staleModels, "refuse", "flag");
    build(false);
  }

  /**
   * The predictor; with {@code bounded} inputs every snapshot is read before any request is
   * answered, so each gets its model's final version.
   */
  OnlinePredictor build(boolean bounded) {
    OnlinePredictor.Builder b =
        OnlinePredictor.builder()
            .maxBatchSize(batchSize)
            .maxBatchDelay(Duration.ofMillis(batchDelayMs))
            .noModelWait(noModelWait)
            .maxModelAge(maxModelAge == null ? Duration.ZERO : maxModelAge);
    if (staleModels.equals("flag")) {
      b.flagStale();
    }
    if (bounded) {
      b.snapshotsFirst();
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new BadOption(e.getMessage());
    }
  }
}
