package io.streamgrad.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;

/**
 * The Kafka record values: Avro single-object encoding, with the generated classes' shared encoders
 * and decoders. The one place that turns records into bytes and back.
 */
public final class WireFormat {

  private WireFormat() {}

  @FunctionalInterface
  private interface Encoding {
    ByteBuffer encode() throws IOException;
  }

  @FunctionalInterface
  private interface Decoding<T> {
    T decode(ByteBuffer bytes) throws IOException;
  }

  public static byte[] encode(Sample s) {
    return bytes(s::toByteBuffer, "Sample");
  }

  public static byte[] encode(WeightSnapshot s) {
    return bytes(s::toByteBuffer, "WeightSnapshot");
  }

  public static byte[] encode(DeadLetter d) {
    return bytes(d::toByteBuffer, "DeadLetter");
  }

  public static byte[] encode(PredictionRequest r) {
    return bytes(r::toByteBuffer, "PredictionRequest");
  }

  public static byte[] encode(Prediction p) {
    return bytes(p::toByteBuffer, "Prediction");
  }

  public static byte[] encode(DriftEvent d) {
    return bytes(d::toByteBuffer, "DriftEvent");
  }

  public static byte[] encode(Label l) {
    return bytes(l::toByteBuffer, "Label");
  }

  public static byte[] encode(FeedbackReport r) {
    return bytes(r::toByteBuffer, "FeedbackReport");
  }

  // Readers of every released version: a dead letter written by an older job still decodes.
  private static final BinaryMessageDecoder<WeightSnapshot> SNAPSHOTS =
      WeightSnapshot.createDecoder(KnownSchemas.released());
  private static final BinaryMessageDecoder<DeadLetter> DEAD_LETTERS =
      DeadLetter.createDecoder(KnownSchemas.released());
  private static final BinaryMessageDecoder<Prediction> PREDICTIONS =
      Prediction.createDecoder(KnownSchemas.released());

  /**
   * Decodes a snapshot written by the job (any released version); fails loudly, since the job wrote
   * it.
   */
  public static WeightSnapshot snapshot(byte[] bytes) {
    return decode(SNAPSHOTS::decode, bytes, "WeightSnapshot");
  }

  /** Decodes a dead letter written by the job (any released version). */
  public static DeadLetter deadLetter(byte[] bytes) {
    return decode(DEAD_LETTERS::decode, bytes, "DeadLetter");
  }

  private static final BinaryMessageDecoder<DriftEvent> DRIFTS =
      DriftEvent.createDecoder(KnownSchemas.released());

  /** Decodes a drift event written by the job (any released version). */
  public static DriftEvent driftEvent(byte[] bytes) {
    return decode(DRIFTS::decode, bytes, "DriftEvent");
  }

  /** Decodes a prediction written by a predictor (any released version). */
  public static Prediction prediction(byte[] bytes) {
    return decode(PREDICTIONS::decode, bytes, "Prediction");
  }

  private static final BinaryMessageDecoder<Label> LABELS =
      Label.createDecoder(KnownSchemas.released());

  /** Decodes a label (any released version); fails loudly on anything else. */
  public static Label label(byte[] bytes) {
    return decode(LABELS::decode, bytes, "Label");
  }

  private static final BinaryMessageDecoder<FeedbackReport> FEEDBACK_REPORTS =
      FeedbackReport.createDecoder(KnownSchemas.released());

  /** Decodes a feedback report written by the job (any released version). */
  public static FeedbackReport feedbackReport(byte[] bytes) {
    return decode(FEEDBACK_REPORTS::decode, bytes, "FeedbackReport");
  }

  /** Length of the single-object header: the marker {@code C3 01} and the 8-byte fingerprint. */
  public static final int HEADER_LENGTH = 10;

  /** Whether {@code bytes} start with a single-object header (and a body may follow). */
  public static boolean hasSingleObjectHeader(byte[] bytes) {
    return bytes.length >= HEADER_LENGTH && (bytes[0] & 0xFF) == 0xC3 && bytes[1] == 0x01;
  }

  /** The writer schema's fingerprint in a single-object header (little-endian). */
  public static long fingerprint(byte[] bytes) {
    long f = 0;
    for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
      f = (f << 8) | (bytes[i] & 0xFF);
    }
    return f;
  }

  public static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] bytes(Encoding encoding, String what) {
    try {
      return bytes(encoding.encode());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a " + what, e);
    }
  }

  private static <T> T decode(Decoding<T> decoding, byte[] bytes, String what) {
    try {
      return decoding.decode(ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode a " + what, e);
    }
  }
}
