package io.streamgrad.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.util.Utf8;

/**
 * Decodes single-object-encoded {@link Sample}s straight into {@link DenseSample}s (see {@link
 * SingleObjectReader}).
 *
 * <p>Not thread-safe: it reuses its decoder. One per source reader.
 */
public final class SampleReader extends SingleObjectReader<Sample, DenseSample> {

  private final int hashBits;
  private Utf8 token = new Utf8();
  private int[] indexBuffer = new int[64];
  private float[] valueBuffer = new float[64];

  /** A reader of the released versions of {@link Sample}, tokens hashed into 2^20 coordinates. */
  public SampleReader() {
    this(KnownSchemas.released());
  }

  /** A reader of every version of {@link Sample} in {@code writers}. */
  public SampleReader(KnownSchemas writers) {
    this(writers, FeatureHashing.DEFAULT_BITS);
  }

  /** Tokens hashed into {@code 2^hashBits} coordinates ({@link FeatureHashing}). */
  public SampleReader(KnownSchemas writers, int hashBits) {
    super(Sample.getClassSchema(), writers);
    this.hashBits = FeatureHashing.checkBits(hashBits);
  }

  @Override
  protected DenseSample readCurrent(int bodyLength) throws IOException {
    // Field order of the schema: modelId, features, label, weight, eventTime, indices, values,
    // tokens.
    DenseSample s = new DenseSample();
    s.modelId = readModelId();
    s.features = readFloats("features", bodyLength);
    s.label = decoder.readFloat();
    s.weight = decoder.readFloat();
    s.eventTime = readOptionalLong("eventTime");
    int explicit = readInts(bodyLength);
    int values = readValues(bodyLength);
    if (values != explicit) {
      s.sparseProblem = DenseSample.indicesAndValues(explicit, values);
    }
    int n = Math.max(explicit, values);
    // Tokens go straight from their UTF-8 bytes to an index: no String per token.
    for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
      if (block < 0 || n + block > bodyLength) {
        throw new EOFException("tokens: array of " + (n + block) + " in " + bodyLength + " bytes");
      }
      for (int i = 0; i < block; i++) {
        token = decoder.readString(token);
        if (token.getByteLength() == 0) {
          s.sparseProblem = SparseFeatures.EMPTY_TOKEN;
        }
        reserve(n + 1);
        indexBuffer[n] = FeatureHashing.index(token.getBytes(), 0, token.getByteLength(), hashBits);
        valueBuffer[n++] = 1f;
      }
    }
    if (n > 0) {
      s.indices = Arrays.copyOf(indexBuffer, n);
      s.values = Arrays.copyOf(valueBuffer, n); // with sparseProblem set, only the reason counts
    }
    return s;
  }

  /** The explicit indices into the index buffer; returns their count. */
  private int readInts(int bodyLength) throws IOException {
    int size = 0;
    for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
      if (block < 0 || size + block > bodyLength) {
        throw new EOFException(
            "indices: array of " + (size + block) + " in " + bodyLength + " bytes");
      }
      reserve(size + (int) block);
      for (int i = 0; i < block; i++) {
        indexBuffer[size++] = decoder.readInt();
      }
    }
    return size;
  }

  /** The explicit values into the value buffer; returns their count. */
  private int readValues(int bodyLength) throws IOException {
    int size = 0;
    for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
      if (block < 0 || size + block > bodyLength / Float.BYTES) {
        throw new EOFException(
            "values: array of " + (size + block) + " floats in " + bodyLength + " bytes");
      }
      reserve(size + (int) block);
      for (int i = 0; i < block; i++) {
        valueBuffer[size++] = decoder.readFloat();
      }
    }
    return size;
  }

  private void reserve(int n) {
    if (n > indexBuffer.length) {
      int size = Math.max(n, indexBuffer.length * 2);
      indexBuffer = Arrays.copyOf(indexBuffer, size);
      valueBuffer = Arrays.copyOf(valueBuffer, size);
    }
  }

  @Override
  protected DenseSample convert(Sample resolved) {
    return DenseSample.of(resolved, hashBits);
  }
}
