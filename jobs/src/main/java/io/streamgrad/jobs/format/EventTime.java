package io.streamgrad.jobs.format;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How a job reads event time from Kafka: watermarks a bounded {@link #outOfOrderness} behind the
 * newest event time of each partition, partitions without records for {@link #idleness} left out of
 * the watermark (so that one quiet partition does not hold every window open), and records whose
 * event time is more than {@link #maxClockSkew} ahead of the clock refused before they reach the
 * watermark (so that one record cannot move it a day ahead). Immutable; {@link #builder()}.
 */
public final class EventTime implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Duration outOfOrderness;
  private final Duration idleness;
  private final Duration maxClockSkew;

  private EventTime(Builder b) {
    this.outOfOrderness = b.outOfOrderness;
    this.idleness = b.idleness;
    this.maxClockSkew = b.maxClockSkew;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: 5 s out of order, 30 s idle, 10 min of clock skew. */
  public static EventTime defaults() {
    return builder().build();
  }

  public Duration outOfOrderness() {
    return outOfOrderness;
  }

  public Duration idleness() {
    return idleness;
  }

  public Duration maxClockSkew() {
    return maxClockSkew;
  }

  /** Why {@code eventTime} cannot be used at wall-clock time {@code now}, or null. */
  public String refusal(long eventTime, long now) {
    long ahead = eventTime - now;
    if (ahead > maxClockSkew.toMillis()) {
      return "event time in the future: "
          + Duration.ofMillis(ahead)
          + " ahead of the clock (more than the allowed skew of "
          + maxClockSkew
          + ")";
    }
    return null;
  }

  @Override
  public String toString() {
    return "event time: " + outOfOrderness + " out of order, idle after " + idleness;
  }

  /** Fluent, validated. */
  public static final class Builder {
    private Duration outOfOrderness = Duration.ofSeconds(5);
    private Duration idleness = Duration.ofSeconds(30);
    private Duration maxClockSkew = Duration.ofMinutes(10);

    private Builder() {}

    public Builder outOfOrderness(Duration d) {
      this.outOfOrderness = Objects.requireNonNull(d, "outOfOrderness");
      return this;
    }

    public Builder idleness(Duration d) {
      this.idleness = Objects.requireNonNull(d, "idleness");
      return this;
    }

    public Builder maxClockSkew(Duration d) {
      this.maxClockSkew = Objects.requireNonNull(d, "maxClockSkew");
      return this;
    }

    public EventTime build() {
      if (outOfOrderness.isNegative()) {
        throw new IllegalArgumentException("out-of-orderness must not be negative");
      }
      if (idleness.isNegative() || idleness.isZero()) {
        throw new IllegalArgumentException("the idleness timeout must be positive");
      }
      if (maxClockSkew.isNegative()) {
        throw new IllegalArgumentException("the clock skew must not be negative");
      }
      return new EventTime(this);
    }
  }
}
