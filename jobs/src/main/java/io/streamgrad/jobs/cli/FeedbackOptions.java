package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.format.EventTime;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.online.feedback.FeedbackConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The feedback join's options (train, local): where the labels come from, how long they may take,
 * what an event without one becomes, what late ones do, the delayed-feedback correction, and how
 * event time is read.
 */
final class FeedbackOptions {
  @Option(
      names = "--labels-topic",
      description =
          "Learn from outcomes: the labels of the requests of --requests-topic, which come later on this topic (or never). The job answers each request with its live model, remembers it, joins its label and trains (the feedback join); the samples topic is not read.")
  String labelsTopic;

  @Option(
      names = "--label-format",
      defaultValue = "avro",
      description =
          "How labels are written: avro (single-object Label) or json ({\"modelId\": \"m1\", \"requestId\": \"r-7\", \"label\": 1, \"eventTime\": 1700000000000}) (default: ${DEFAULT-VALUE}).")
  String labelFormat;

  @Option(
      names = "--label-window",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "With --labels-topic: how long after its event (event time) an outcome may still come, e.g. 5m, 2h. When it closes without a label the event is resolved as --no-label says; labels after it are late.")
  Duration labelWindow;

  @Option(
      names = "--no-label",
      defaultValue = "negative",
      paramLabel = "negative|drop|VALUE",
      description =
          "What an event whose window closes without a label becomes: negative (label 0: no click), drop (not trained on), or a constant label (default: ${DEFAULT-VALUE}).")
  String noLabel;

  @Option(
      names = "--late-labels",
      paramLabel = "drop|correct",
      description =
          "Labels after their event's window closed: drop (a dead letter) or correct (trained on as a correction while the event is remembered, one more window). Default: correct with --feedback-correction fnw, drop otherwise.")
  String lateLabels;

  @Option(
      names = "--feedback-correction",
      defaultValue = "none",
      paramLabel = "none|wait|fnw",
      description =
          "Delayed-feedback correction: none (train each event once its label comes or its window closes), wait (every event when its window closes, clicked or not: in event order, a window late) or fnw (fake-negative weighting: every event trained at once as a negative, a positive duplicate when its label comes, both weighted by the model's own prediction; logistic models) (default: ${DEFAULT-VALUE}).")
  String correction;

  @Option(
      names = "--answer",
      defaultValue = "on-arrival",
      paramLabel = "on-arrival|in-event-time",
      description =
          "When requests are answered: on-arrival (by the model as it is then: live traffic) or in-event-time (once the watermark reaches the request, by the model trained on everything before it: replays and backfills, the same answers after a restore) (default: ${DEFAULT-VALUE}; local --feedback: in-event-time).")
  String answer;

  @Option(
      names = "--report-interval",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How often each model whose accounting changed is reported to --feedback-topic (and once more at the end of the input) (default: ${DEFAULT-VALUE}).")
  Duration reportInterval;

  @Option(
      names = "--out-of-orderness",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description =
          "Event time: how far out of order records of one partition may come; the watermark trails the newest event time by this much (default: ${DEFAULT-VALUE}).")
  Duration outOfOrderness;

  @Option(
      names = "--source-idleness",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "Event time: a partition without records for this long no longer holds the watermark back (default: ${DEFAULT-VALUE}).")
  Duration idleness;

  @Option(
      names = "--max-clock-skew",
      defaultValue = "10m",
      converter = DurationConverter.class,
      description =
          "Event time: a request or label dated more than this ahead of the clock goes to the dead letters instead of moving the watermark (default: ${DEFAULT-VALUE}).")
  Duration maxClockSkew;

  KafkaSettings.SampleFormat labelFormat() {
    return KafkaSettings.SampleFormat.parse(labelFormat);
  }

  boolean enabled() {
    return labelsTopic != null;
  }

  /** Checks the options; with a labels topic, also that the events' topic is given. */
  void validate(String requestsTopic) {
    if (labelsTopic == null) {
      return;
    }
    Check.notBlank("--labels-topic", labelsTopic);
    if (requestsTopic == null) {
      throw new BadOption(
          "--labels-topic labels the requests of --requests-topic: give the requests topic too");
    }
    if (labelWindow == null) {
      throw new BadOption("--labels-topic needs --label-window, e.g. --label-window 5m");
    }
    Check.oneOf("--label-format", labelFormat, "avro", "json");
    config();
    eventTime();
    if (reportInterval.isNegative() || reportInterval.isZero()) {
      throw new BadOption("--report-interval must be positive");
    }
  }

  FeedbackConfig config() {
    FeedbackConfig.Builder b = FeedbackConfig.builder();
    try {
      b.labelWindow(labelWindow);
      switch (noLabel) {
        case "negative" -> b.noLabelNegative();
        case "drop" -> b.noLabelDrop();
        default -> b.noLabelValue(parseValue(noLabel));
      }
      if (lateLabels != null) {
        Check.oneOf("--late-labels", lateLabels, "drop", "correct");
        b.lateLabels(FeedbackConfig.LateLabels.valueOf(lateLabels.toUpperCase()));
      }
      Check.oneOf("--feedback-correction", correction, "none", "wait", "fnw");
      b.correction(FeedbackConfig.Correction.valueOf(correction.toUpperCase()));
      Check.oneOf("--answer", answer, "on-arrival", "in-event-time");
      b.serving(
          answer.equals("on-arrival")
              ? FeedbackConfig.Serving.ON_ARRIVAL
              : FeedbackConfig.Serving.IN_EVENT_TIME);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new BadOption(e.getMessage());
    }
  }

  private static float parseValue(String text) {
    try {
      return Float.parseFloat(text);
    } catch (NumberFormatException e) {
      throw new BadOption(
          "--no-label is negative, drop or a number (the label to train with), not '" + text + "'");
    }
  }

  EventTime eventTime() {
    try {
      return EventTime.builder()
          .outOfOrderness(outOfOrderness)
          .idleness(idleness)
          .maxClockSkew(maxClockSkew)
          .build();
    } catch (IllegalArgumentException e) {
      throw new BadOption(e.getMessage());
    }
  }
}
