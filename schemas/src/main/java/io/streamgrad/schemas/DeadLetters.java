package io.streamgrad.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Dead letters that always fit where they are sent: a payload too large for the dead-letter topic
 * is cut to a prefix, and the dead letter then says so (the whole payload's size and SHA-256).
 * Model ids are cut to {@link DenseSample#MAX_MODEL_ID_LENGTH} characters.
 */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * A dead letter of {@code payload} (not copied), for {@code modelId} (may be null), stamped
   * {@code timestampMillis}.
   */
  public static DeadLetter.Builder of(
      String reason, String modelId, ByteBuffer payload, long timestampMillis) {
    return DeadLetter.newBuilder()
        .setReason(reason)
        .setModelId(cutModelId(modelId))
        .setPayload(payload)
        .setTimestamp(Instant.ofEpochMilli(timestampMillis));
  }

  /** {@code id} cut to {@link DenseSample#MAX_MODEL_ID_LENGTH} characters (null stays null). */
  public static String cutModelId(String id) {
    return id == null || id.length() <= DenseSample.MAX_MODEL_ID_LENGTH
        ? id
        : id.substring(0, DenseSample.MAX_MODEL_ID_LENGTH);
  }

  /**
   * {@code dl} itself when its single-object encoding takes at most {@code maxBytes}; otherwise a
   * copy whose payload is cut so that it does, marked with the original payload's size and hash.
   *
   * @throws IllegalArgumentException if even an empty payload would not fit
   */
  public static DeadLetter fit(DeadLetter dl, int maxBytes) {
    int size = encodedSize(dl);
    if (size <= maxBytes) {
      return dl;
    }
    ByteBuffer payload = dl.getPayload().duplicate();
    DeadLetter marked = truncate(dl, 0); // what the cut adds: the original size and hash
    // An empty payload's length takes 1 byte; the prefix's at most 5 (a varint).
    int keep = maxBytes - encodedSize(marked) - 4;
    if (keep < 0) {
      throw new IllegalArgumentException(
          "a dead letter needs "
              + encodedSize(marked)
              + " bytes without its payload; the limit is "
              + maxBytes);
    }
    return DeadLetter.newBuilder(marked)
        .setPayload(payload.slice(payload.position(), keep))
        .build();
  }

  /**
   * A copy of {@code dl} whose payload keeps its first {@code keep} bytes; the size and SHA-256 of
   * the original payload are recorded (those of the first cut, when {@code dl} was cut before).
   */
  public static DeadLetter truncate(DeadLetter dl, int keep) {
    ByteBuffer p = dl.getPayload().duplicate();
    if (p.remaining() <= keep) {
      return dl;
    }
    DeadLetter.Builder b = DeadLetter.newBuilder(dl);
    if (dl.getPayloadSize() == null) {
      b.setPayloadSize((long) p.remaining()).setPayloadSha256(sha256(p.duplicate()));
    }
    ByteBuffer prefix = p.slice(p.position(), keep);
    return b.setPayload(prefix).build();
  }

  /** Bytes of the single-object encoding of {@code dl}. */
  public static int encodedSize(DeadLetter dl) {
    try {
      return dl.toByteBuffer().remaining();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a DeadLetter", e);
    }
  }

  private static String sha256(ByteBuffer bytes) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(bytes);
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
