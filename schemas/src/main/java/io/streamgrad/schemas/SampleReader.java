package io.streamgrad.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Decodes single-object-encoded {@link Sample}s straight into {@link DenseSample}s. Records written
 * with this version of the schema (the fingerprint matches) are read field by field into a {@code
 * float[]}, without the boxed list Avro's specific reader builds; a record of any other writer
 * schema in {@link KnownSchemas} is resolved against this version (Avro's schema resolution), and
 * an unknown fingerprint throws {@link MissingSchemaException}. A body must be consumed exactly:
 * bytes left over mean the header names the wrong schema ({@link TrailingBytesException}).
 *
 * <p>Not thread-safe: it reuses its decoder. One per source reader.
 */
public final class SampleReader {

  /** The single-object encoding's marker: {@code C3 01}. */
  private static final byte MARKER_0 = (byte) 0xC3;

  private static final byte MARKER_1 = (byte) 0x01;
  private static final int HEADER_LENGTH = 10;
  private static final long FINGERPRINT = KnownSchemas.fingerprint(Sample.getClassSchema());

  private final KnownSchemas writers;
  private final Map<Long, DatumReader<Sample>> resolvers = new HashMap<>();
  private BinaryDecoder decoder;

  /** A reader of the released versions of {@link Sample}. */
  public SampleReader() {
    this(KnownSchemas.released());
  }

  /** A reader of every version of {@link Sample} in {@code writers}. */
  public SampleReader(KnownSchemas writers) {
    AvroTrust.install();
    this.writers = writers;
  }

  /**
   * The sample in {@code bytes}.
   *
   * @throws BadHeaderException if the bytes are not single-object encoded
   * @throws MissingSchemaException if the schema fingerprint is unknown
   * @throws TrailingBytesException if the body is longer than its schema says
   * @throws IOException or {@link AvroRuntimeException} if the body is malformed
   */
  public DenseSample read(byte[] bytes) throws IOException {
    if (bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
      throw new BadHeaderException(
          "Not single-object encoded: expected C3 01 and an 8-byte fingerprint");
    }
    long fingerprint = fingerprint(bytes);
    decoder =
        DecoderFactory.get()
            .binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, decoder);
    DenseSample s =
        fingerprint == FINGERPRINT
            ? readCurrent(bytes.length - HEADER_LENGTH)
            : DenseSample.of(resolve(fingerprint));
    if (!decoder.isEnd()) {
      throw new TrailingBytesException(decoder.inputStream().available());
    }
    return s;
  }

  private Sample resolve(long fingerprint) throws IOException {
    DatumReader<Sample> reader = resolvers.get(fingerprint);
    if (reader == null) {
      Schema writer = writers.findByFingerprint(fingerprint);
      if (writer == null || !writer.getFullName().equals(Sample.getClassSchema().getFullName())) {
        throw new MissingSchemaException("Cannot resolve schema for fingerprint: " + fingerprint);
      }
      reader = new SpecificDatumReader<>(writer, Sample.getClassSchema());
      resolvers.put(fingerprint, reader);
    }
    return reader.read(null, decoder);
  }

  private DenseSample readCurrent(int bodyLength) throws IOException {
    // Field order of the schema: modelId, features, label, weight, eventTime.
    DenseSample s = new DenseSample();
    s.modelId = decoder.readString();
    s.features = readFloats(decoder, bodyLength);
    s.label = decoder.readFloat();
    s.weight = decoder.readFloat();
    switch (decoder.readIndex()) {
      case 0:
        s.eventTime = null;
        break;
      case 1:
        s.eventTime = decoder.readLong();
        break;
      default:
        throw new AvroRuntimeException("eventTime: union index out of range");
    }
    return s;
  }

  /**
   * An Avro array of floats; its length is bounded by the payload's so a corrupt count cannot
   * allocate gigabytes.
   */
  private static float[] readFloats(BinaryDecoder d, int payloadLength) throws IOException {
    float[] out = new float[0];
    int size = 0;
    for (long block = d.readArrayStart(); block != 0; block = d.arrayNext()) {
      if (block < 0 || size + block > payloadLength / Float.BYTES) {
        throw new EOFException(
            "features: array of " + (size + block) + " floats in " + payloadLength + " bytes");
      }
      out = size == 0 ? new float[(int) block] : Arrays.copyOf(out, size + (int) block);
      for (int i = 0; i < block; i++) {
        out[size++] = d.readFloat();
      }
    }
    return out;
  }

  private static long fingerprint(byte[] b) {
    long f = 0;
    for (int i = 9; i >= 2; i--) { // little-endian
      f = (f << 8) | (b[i] & 0xFF);
    }
    return f;
  }
}
