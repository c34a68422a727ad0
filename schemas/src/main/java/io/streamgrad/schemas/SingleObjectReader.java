package io.streamgrad.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;

/**
 * Decodes single-object-encoded records of one schema {@code R} straight into the pipeline's form
 * {@code D}. Records written with the current version (the fingerprint matches) are read field by
 * field by {@link #readCurrent}, without the boxed lists Avro's specific reader builds; a record of
 * any other writer schema in {@link KnownSchemas} is resolved against the current version (Avro's
 * schema resolution) and converted; an unknown fingerprint throws {@link MissingSchemaException}. A
 * body must be consumed exactly: bytes left over mean the header names the wrong schema ({@link
 * TrailingBytesException}).
 *
 * <p>Not thread-safe: it reuses its decoder. One per source reader.
 */
public abstract class SingleObjectReader<R extends SpecificRecord, D> {

  private static final int HEADER_LENGTH = WireFormat.HEADER_LENGTH;

  private final Schema current;
  private final long currentFingerprint;
  private final KnownSchemas writers;
  private final Map<Long, DatumReader<R>> resolvers = new HashMap<>();
  protected BinaryDecoder decoder;

  // Model ids repeat from record to record: each distinct one is decoded into a String once.
  private static final int LONGEST_CACHED_ID_BYTES = 4 * DenseSample.MAX_MODEL_ID_LENGTH;
  private final Utf8 idBytes = new Utf8();
  private final ModelIdTable modelIds = new ModelIdTable();

  protected SingleObjectReader(Schema current, KnownSchemas writers) {
    AvroTrust.install();
    this.current = current;
    this.currentFingerprint = KnownSchemas.fingerprint(current);
    this.writers = writers;
  }

  /** Reads the body of a record of the current version, field by field, from {@link #decoder}. */
  protected abstract D readCurrent(int bodyLength) throws IOException;

  /** A record of another version, resolved to the current one. */
  protected abstract D convert(R resolved);

  /**
   * The record in {@code bytes}.
   *
   * @throws BadHeaderException if the bytes are not single-object encoded
   * @throws MissingSchemaException if the schema fingerprint is unknown
   * @throws TrailingBytesException if the body is longer than its schema says
   * @throws IOException or {@link AvroRuntimeException} if the body is malformed
   */
  public D read(byte[] bytes) throws IOException {
    if (!WireFormat.hasSingleObjectHeader(bytes)) {
      throw new BadHeaderException(
          "Not single-object encoded: expected C3 01 and an 8-byte fingerprint");
    }
    long fingerprint = WireFormat.fingerprint(bytes);
    decoder =
        DecoderFactory.get()
            .binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, decoder);
    D d =
        fingerprint == currentFingerprint
            ? readCurrent(bytes.length - HEADER_LENGTH)
            : convert(resolve(fingerprint));
    if (!decoder.isEnd()) {
      throw new TrailingBytesException(decoder.inputStream().available());
    }
    return d;
  }

  private R resolve(long fingerprint) throws IOException {
    DatumReader<R> reader = resolvers.get(fingerprint);
    if (reader == null) {
      Schema writer = writers.findByFingerprint(fingerprint);
      if (writer == null || !writer.getFullName().equals(current.getFullName())) {
        throw new MissingSchemaException("Cannot resolve schema for fingerprint: " + fingerprint);
      }
      reader = new SpecificDatumReader<>(writer, current);
      resolvers.put(fingerprint, reader);
    }
    return reader.read(null, decoder);
  }

  /**
   * An Avro array of floats; its length is bounded by the payload's so a corrupt count cannot
   * allocate gigabytes.
   */
  protected final float[] readFloats(String field, int payloadLength) throws IOException {
    float[] out = new float[0];
    int size = 0;
    for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
      if (block < 0 || size + block > payloadLength / Float.BYTES) {
        throw new EOFException(
            field + ": array of " + (size + block) + " floats in " + payloadLength + " bytes");
      }
      out = size == 0 ? new float[(int) block] : Arrays.copyOf(out, size + (int) block);
      for (int i = 0; i < block; i++) {
        out[size++] = decoder.readFloat();
      }
    }
    return out;
  }

  /** An array of ints, its length checked against the payload's before anything is allocated. */
  protected final int[] readInts(String field, int payloadLength) throws IOException {
    int[] out = new int[0];
    int size = 0;
    for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
      if (block < 0 || size + block > payloadLength) {
        throw new EOFException(
            field + ": array of " + (size + block) + " ints in " + payloadLength + " bytes");
      }
      out = size == 0 ? new int[(int) block] : Arrays.copyOf(out, size + (int) block);
      for (int i = 0; i < block; i++) {
        out[size++] = decoder.readInt();
      }
    }
    return out;
  }

  /** An array of strings, checked as {@link #readInts} (each string takes a byte at least). */
  protected final String[] readStrings(String field, int payloadLength) throws IOException {
    String[] out = new String[0];
    int size = 0;
    for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
      if (block < 0 || size + block > payloadLength) {
        throw new EOFException(
            field + ": array of " + (size + block) + " strings in " + payloadLength + " bytes");
      }
      out = size == 0 ? new String[(int) block] : Arrays.copyOf(out, size + (int) block);
      for (int i = 0; i < block; i++) {
        out[size++] = decoder.readString();
      }
    }
    return out;
  }

  /**
   * A model id (an Avro string), the same String instance as the last time these bytes were read
   * when it is still in the cache (a slot per hash of the bytes; longer ids than any valid one are
   * not kept). Decoded as Avro decodes strings, malformed UTF-8 included.
   */
  protected final String readModelId() throws IOException {
    Utf8 u = decoder.readString(idBytes);
    byte[] b = u.getBytes();
    int n = u.getByteLength();
    if (n > LONGEST_CACHED_ID_BYTES) {
      return new String(b, 0, n, StandardCharsets.UTF_8);
    }
    return modelIds.intern(b, n);
  }

  /** An optional long ({@code ["null", long]}), e.g. an event time. */
  protected final Long readOptionalLong(String field) throws IOException {
    return switch (decoder.readIndex()) {
      case 0 -> null;
      case 1 -> decoder.readLong();
      default -> throw new AvroRuntimeException(field + ": union index out of range");
    };
  }
}
