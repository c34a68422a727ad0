package io.streamgrad.jobs.kafka;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a source starts when its job has no checkpoint: the earliest or latest offsets, the group's
 * committed ones (falling back to the earliest), or the first record at or after a timestamp. A
 * restored job always resumes from its checkpoint instead.
 */
public final class StartingOffsets implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Which kind of start. */
  public enum Kind {
    EARLIEST,
    LATEST,
    COMMITTED,
    TIMESTAMP,
    OFFSETS
  }

  public static final StartingOffsets EARLIEST = new StartingOffsets(Kind.EARLIEST, 0);
  public static final StartingOffsets LATEST = new StartingOffsets(Kind.LATEST, 0);
  public static final StartingOffsets COMMITTED = new StartingOffsets(Kind.COMMITTED, 0);

  private final Kind kind;
  private final long timestampMillis;
  private final HashMap<TopicPartition, Long> offsets;

  private StartingOffsets(Kind kind, long timestampMillis) {
    this(kind, timestampMillis, new HashMap<>());
  }

  private StartingOffsets(Kind kind, long timestampMillis, Map<TopicPartition, Long> offsets) {
    this.kind = kind;
    this.timestampMillis = timestampMillis;
    this.offsets = new HashMap<>(offsets);
  }

  /**
   * These offsets (e.g. the ends of topics before a run wrote to them: records whose timestamps are
   * event times in the past cannot be found by timestamp); partitions not named: the earliest.
   */
  public static StartingOffsets offsets(Map<TopicPartition, Long> offsets) {
    return new StartingOffsets(Kind.OFFSETS, 0, offsets);
  }

  /** The first record at or after {@code epochMillis}. */
  public static StartingOffsets timestamp(long epochMillis) {
    return new StartingOffsets(Kind.TIMESTAMP, epochMillis);
  }

  /** {@code earliest}, {@code latest}, {@code committed} or an epoch-millis timestamp. */
  public static StartingOffsets parse(String spec) {
    switch (spec) {
      case "earliest":
        return EARLIEST;
      case "latest":
        return LATEST;
      case "committed":
        return COMMITTED;
      default:
        try {
          return timestamp(Long.parseLong(spec));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "starting offsets must be earliest, latest, committed or an epoch-millis timestamp,"
                  + " not '"
                  + spec
                  + "'");
        }
    }
  }

  public Kind kind() {
    return kind;
  }

  /** Flink's initializer of these offsets. */
  public OffsetsInitializer initializer() {
    return switch (kind) {
      case EARLIEST -> OffsetsInitializer.earliest();
      case LATEST -> OffsetsInitializer.latest();
      case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
      case TIMESTAMP -> OffsetsInitializer.timestamp(timestampMillis);
      case OFFSETS -> OffsetsInitializer.offsets(offsets, OffsetResetStrategy.EARLIEST);
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case TIMESTAMP -> String.valueOf(timestampMillis);
      case OFFSETS -> "offsets " + offsets;
      default -> kind.name().toLowerCase();
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StartingOffsets s
        && s.kind == kind
        && s.timestampMillis == timestampMillis
        && s.offsets.equals(offsets);
  }

  @Override
  public int hashCode() {
    return (kind.hashCode() * 31 + Long.hashCode(timestampMillis)) * 31 + offsets.hashCode();
  }
}
