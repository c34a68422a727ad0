package io.streamgrad.online.feedback;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How the feedback join turns served events and their later labels into training samples: how long
 * an outcome may still come (the label window, in event time), what an event whose window closes
 * without a label becomes, what a label after its window does, and the delayed-feedback correction.
 * Immutable; built and validated by {@link #builder()}.
 */
public final class FeedbackConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What an event whose window closed without a label becomes. */
  public enum NoLabel {
    /** Trained on as label 0: no click, no conversion. */
    NEGATIVE,
    /** Not trained on (and not scored). */
    DROP,
    /** Trained on with {@link FeedbackConfig#noLabelValue()}. */
    VALUE
  }

  /** What a label that comes after its event's window closed does. */
  public enum LateLabels {
    /** Dead-lettered with its reason (and counted). */
    DROP,
    /**
     * Trained on as a correction while its event is still remembered (one more label window after
     * it closed): a positive duplicate of an event that was trained on as a negative.
     */
    CORRECT
  }

  /** The delayed-feedback correction. */
  public enum Correction {
    /** Train each event once, when its label comes or its window closes. */
    NONE,
    /**
     * Train each event once, when its window closes, labeled or not: the model sees the events in
     * their order, outcomes complete, never a click ahead of its non-clicks; a window late.
     */
    WAIT,
    /**
     * Fake-negative weighting (Ktena et al., RecSys 2019): every event is trained on at once as a
     * negative, a positive duplicate when its label comes; each sample weighted by the model's own
     * detached prediction so that the loss is unbiased.
     */
    FNW
  }

  /** When a request is answered. */
  public enum Serving {
    /** As it arrives, by the model as it is then: the lowest latency (live traffic). */
    ON_ARRIVAL,
    /**
     * Once the watermark reaches its event time, by the model trained on everything before it:
     * answers that do not depend on how fast the inputs were read (replays, backfills,
     * simulations), bit for bit the same after a restore; later by the watermark's delay.
     */
    IN_EVENT_TIME
  }

  private final long labelWindowMillis;
  private final Serving serving;
  private final NoLabel noLabel;
  private final float noLabelValue;
  private final LateLabels lateLabels;
  private final Correction correction;

  private FeedbackConfig(Builder b) {
    this.labelWindowMillis = b.labelWindow.toMillis();
    this.noLabel = b.noLabel;
    this.noLabelValue = b.noLabelValue;
    this.lateLabels = b.lateLabels;
    this.correction = b.correction;
    this.serving = b.serving;
  }

  public static Builder builder() {
    return new Builder();
  }

  public long labelWindowMillis() {
    return labelWindowMillis;
  }

  public NoLabel noLabel() {
    return noLabel;
  }

  /** The label of an event that closed without one, with {@link NoLabel#VALUE}; else 0. */
  public float noLabelValue() {
    return noLabel == NoLabel.NEGATIVE ? 0f : noLabelValue;
  }

  public LateLabels lateLabels() {
    return lateLabels;
  }

  public Correction correction() {
    return correction;
  }

  public Serving serving() {
    return serving;
  }

  /**
   * Checks this configuration against the model it trains ({@code classification}: a model whose
   * output is a probability).
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public void checkModel(boolean classification) {
    if (correction == Correction.FNW && !classification) {
      throw new IllegalArgumentException(
          "fake-negative weighting (fnw) corrects a probability: it needs a logistic model");
    }
    if (noLabel == NoLabel.VALUE && classification && !(noLabelValue >= 0f && noLabelValue <= 1f)) {
      throw new IllegalArgumentException(
          "the no-label value of a logistic model is a probability in [0, 1], got " + noLabelValue);
    }
  }

  /**
   * Why {@code label} cannot be a logistic or regression model's outcome, or null when it can.
   * Labels of a logistic model are in [0, 1]; every label is finite.
   */
  public static String invalidLabel(float label, boolean classification) {
    if (!Float.isFinite(label)) {
      return "non-finite label";
    }
    if (classification && (label < 0f || label > 1f)) {
      return "label out of range for a logistic model: " + label + " is not in [0, 1]";
    }
    return null;
  }

  @Override
  public String toString() {
    return "label window "
        + Duration.ofMillis(labelWindowMillis)
        + ", no label: "
        + (noLabel == NoLabel.VALUE ? Float.toString(noLabelValue) : noLabel.name().toLowerCase())
        + ", late labels: "
        + lateLabels.name().toLowerCase()
        + ", correction: "
        + correction.name().toLowerCase()
        + (serving == Serving.IN_EVENT_TIME ? ", answers in event time" : "");
  }

  /** Fluent configuration, validated by {@link #build()}. */
  public static final class Builder {
    private Duration labelWindow;
    private NoLabel noLabel = NoLabel.NEGATIVE;
    private float noLabelValue;
    private LateLabels lateLabels;
    private Correction correction = Correction.NONE;
    private Serving serving = Serving.ON_ARRIVAL;

    private Builder() {}

    /** When requests are answered; {@link Serving#ON_ARRIVAL} by default. */
    public Builder serving(Serving serving) {
      this.serving = Objects.requireNonNull(serving, "serving");
      return this;
    }

    /** How long after its event (event time) an outcome may still come. Required, positive. */
    public Builder labelWindow(Duration window) {
      this.labelWindow = Objects.requireNonNull(window, "labelWindow");
      return this;
    }

    /** An event that closes without a label is a negative (the default). */
    public Builder noLabelNegative() {
      this.noLabel = NoLabel.NEGATIVE;
      return this;
    }

    /** An event that closes without a label is not trained on. */
    public Builder noLabelDrop() {
      this.noLabel = NoLabel.DROP;
      return this;
    }

    /** An event that closes without a label is trained on with {@code value}. */
    public Builder noLabelValue(float value) {
      if (!Float.isFinite(value)) {
        throw new IllegalArgumentException("the no-label value must be finite, got " + value);
      }
      this.noLabel = NoLabel.VALUE;
      this.noLabelValue = value;
      return this;
    }

    /**
     * What labels after their window do; by default {@link LateLabels#CORRECT} with {@link
     * Correction#FNW} and {@link LateLabels#DROP} otherwise.
     */
    public Builder lateLabels(LateLabels late) {
      this.lateLabels = Objects.requireNonNull(late, "lateLabels");
      return this;
    }

    public Builder correction(Correction correction) {
      this.correction = Objects.requireNonNull(correction, "correction");
      return this;
    }

    public FeedbackConfig build() {
      if (labelWindow == null) {
        throw new IllegalArgumentException("the feedback join needs a label window");
      }
      if (labelWindow.isNegative() || labelWindow.isZero()) {
        throw new IllegalArgumentException("the label window must be positive, got " + labelWindow);
      }
      if (correction == Correction.FNW && noLabel != NoLabel.NEGATIVE) {
        throw new IllegalArgumentException(
            "fnw trains every event as a negative at once: an event without a label is a negative,"
                + " not "
                + (noLabel == NoLabel.DROP ? "dropped" : "the value " + noLabelValue));
      }
      if (lateLabels == null) {
        lateLabels = correction == Correction.FNW ? LateLabels.CORRECT : LateLabels.DROP;
      }
      return new FeedbackConfig(this);
    }
  }
}
