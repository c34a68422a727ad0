package io.streamgrad.jobs.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * A served stream with known truth (produce, local): requests with event times and, for each, an
 * outcome of the true model that arrives after a random delay on the labels topic.
 */
final class FeedbackDataOptions {
  @Option(
      names = "--feedback",
      description =
          "Produce a served stream instead of samples: requests (events, with event times) and their outcomes, drawn from the true model, on the labels topic after a delay (--label-delay). Click outcomes (logistic models) send a label for each click only.")
  boolean feedback;

  @Option(
      names = "--label-delay",
      defaultValue = "30s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Mean delay of an outcome after its event (exponential, in event time); 0s: at once, the reference (default: ${DEFAULT-VALUE}).")
  Duration labelDelay;

  @Option(
      names = "--late-fraction",
      defaultValue = "0",
      paramLabel = "FRACTION",
      description =
          "This share of the outcomes comes --late-after later than its delay: labels that miss the window on purpose (default: ${DEFAULT-VALUE}).")
  double lateFraction;

  @Option(
      names = "--late-after",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How much later the --late-fraction comes; default: the label window, or 5m.")
  Duration lateAfter;

  @Option(
      names = "--events-per-second",
      defaultValue = "10",
      description =
          "Simulated rate of events over all models, in event time (producing takes no wall time) (default: ${DEFAULT-VALUE}).")
  double eventsPerSecond;

  @Option(
      names = "--negative-labels",
      description = "Click outcomes: send a label 0 for each event without a click too.")
  boolean negativeLabels;

  void validate() {
    if (labelDelay.isNegative()) {
      throw new BadOption("--label-delay must not be negative");
    }
    Check.inRange("--late-fraction", lateFraction, 0, 1, false);
    Check.positiveFinite("--events-per-second", eventsPerSecond);
    if (lateAfter != null && lateAfter.isNegative()) {
      throw new BadOption("--late-after must not be negative");
    }
  }

  /** How much later the late share comes: --late-after, else {@code window}, else 5 minutes. */
  Duration lateAfter(Duration window) {
    return lateAfter != null ? lateAfter : window != null ? window : Duration.ofMinutes(5);
  }
}
