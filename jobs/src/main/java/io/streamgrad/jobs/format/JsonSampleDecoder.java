package io.streamgrad.jobs.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.FeatureHashing;
import io.streamgrad.schemas.SparseFeatures;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.util.Arrays;

/**
 * Decodes JSON samples, {@code {"modelId": "m1", "features": [0.5, 1.0], "label": 1.5, "weight":
 * 1.0, "eventTime": 1700000000000}} ({@code weight} and {@code eventTime} optional, other fields
 * ignored), with Jackson's streaming parser straight into a {@link DenseSample}: no tree, no boxed
 * numbers. A record that is not such an object goes to the dead letters with the reason: {@code not
 * JSON: …}, {@code not a JSON object}, {@code missing field: features}, {@code wrong type: label
 * must be a number}, {@code trailing data after the JSON object}; then every check of an Avro
 * sample (feature count, non-finite values, …).
 *
 * <p>Most records take {@link JsonSampleScanner}'s byte-level path; whatever it does not take
 * (escapes, unknown fields, every malformed record) Jackson reads, so both read the same sample and
 * the reasons are Jackson's.
 */
public final class JsonSampleDecoder extends SampleFormatDecoder {
  private static final long serialVersionUID = 1L;

  private transient JsonFactory json;
  private transient JsonSampleScanner scanner;

  public JsonSampleDecoder(int features, int maxRecordBytes) {
    super(features, maxRecordBytes);
  }

  @Override
  protected DenseSample decode(byte[] payload) throws IOException, BadRecordException {
    if (scanner == null) {
      scanner = new JsonSampleScanner(features);
    }
    DenseSample fast = scanner.scan(payload);
    return fast != null ? fast : parse(payload);
  }

  /** The general path: Jackson's streaming parser, and the reason for what it refuses. */
  DenseSample parse(byte[] payload) throws IOException, BadRecordException {
    if (json == null) {
      // FastDoubleParser for the numbers, as on the fast path: the same floats either way.
      json = JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
    }
    if (WireFormat.hasSingleObjectHeader(payload)) {
      throw new BadRecordException(
          "Avro single-object encoding: this job reads JSON samples (--sample-format)");
    }
    if (payload.length > 5 && payload[0] == 0) {
      throw new BadRecordException(confluentFraming(payload));
    }
    try (JsonParser p = json.createParser(payload)) {
      return read(p);
    } catch (JsonParseException e) {
      throw new BadRecordException(notJson(e.getOriginalMessage()));
    }
  }

  /**
   * The reason of a record Jackson cannot parse, without the record's own bytes in it: a reason is
   * a dead letter's key and a metric's name, so one kind of fault must be one reason (Jackson's
   * messages quote the offending characters and advise parser features).
   */
  static String notJson(String jackson) {
    if (jackson.startsWith("Non-standard token")) {
      return "non-finite number: NaN and Infinity are not JSON numbers";
    }
    if (jackson.startsWith("Unexpected end-of-input")) {
      return "not JSON: the record ends inside a value";
    }
    if (jackson.contains("Invalid UTF-8")) {
      return "not JSON: invalid UTF-8";
    }
    if (jackson.startsWith("Unrecognized token")) {
      return "not JSON: an unrecognized token";
    }
    if (jackson.startsWith("Unexpected character")) {
      return "not JSON: an unexpected character";
    }
    return "not JSON: malformed";
  }

  private DenseSample read(JsonParser p) throws IOException, BadRecordException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new BadRecordException("not a JSON object");
    }
    DenseSample s = new DenseSample();
    int[] indices = null;
    float[] values = null;
    int[] hashed = null;
    boolean hasId = false;
    boolean hasFeatures = false;
    boolean hasLabel = false;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "modelId" -> {
          if (v != JsonToken.VALUE_STRING) {
            throw new BadRecordException("wrong type: modelId must be a string");
          }
          s.modelId = p.getText();
          hasId = true;
        }
        case "features" -> {
          s.features = floats(p, v, "features", features);
          hasFeatures = true;
        }
        case "indices" -> indices = ints(p, v);
        case "values" -> values = floats(p, v, "values", 0);
        case "tokens" -> hashed = tokens(p, v, s);
        case "label" -> {
          s.label = number(p, v, "label");
          hasLabel = true;
        }
        case "weight" -> s.weight = number(p, v, "weight");
        case "eventTime" -> {
          if (v == JsonToken.VALUE_NUMBER_INT) {
            s.eventTime = p.getLongValue();
          } else if (v != JsonToken.VALUE_NULL) {
            throw new BadRecordException("wrong type: eventTime must be epoch millis or null");
          }
        }
        default -> p.skipChildren(); // a field of a newer producer
      }
    }
    if (p.nextToken() != null) {
      throw new BadRecordException("trailing data after the JSON object");
    }
    if (!hasId) {
      throw new BadRecordException("missing field: modelId");
    }
    if (!hasFeatures) {
      if (features > 0) {
        throw new BadRecordException("missing field: features");
      }
      s.features = new float[0]; // a model of sparse features only
    }
    sparsePart(s, indices, values, hashed);
    if (!hasLabel) {
      throw new BadRecordException("missing field: label");
    }
    return s;
  }

  /** The number at {@code v}, or the reason {@code field} is not one. */
  static float number(JsonParser p, JsonToken v, String field)
      throws IOException, BadRecordException {
    if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
      throw new BadRecordException("wrong type: " + field + " must be a number");
    }
    return p.getFloatValue();
  }

  /** The sparse part: explicit entries, then the hashed tokens with value 1. */
  private static void sparsePart(DenseSample s, int[] indices, float[] values, int[] hashed) {
    int explicit = indices == null ? 0 : indices.length;
    int given = values == null ? 0 : values.length;
    if (explicit != given) {
      s.sparseProblem = DenseSample.indicesAndValues(explicit, given);
      return;
    }
    int tokens = hashed == null ? 0 : hashed.length;
    if (explicit + tokens == 0) {
      return;
    }
    s.indices = new int[explicit + tokens];
    s.values = new float[explicit + tokens];
    if (explicit > 0) {
      System.arraycopy(indices, 0, s.indices, 0, explicit);
      System.arraycopy(values, 0, s.values, 0, explicit);
    }
    if (tokens > 0) {
      System.arraycopy(hashed, 0, s.indices, explicit, tokens);
      Arrays.fill(s.values, explicit, explicit + tokens, 1f);
    }
  }

  private static int[] ints(JsonParser p, JsonToken v) throws IOException, BadRecordException {
    if (v != JsonToken.START_ARRAY) {
      throw new BadRecordException("wrong type: indices must be an array of integers");
    }
    int[] out = new int[16];
    int n = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
        throw new BadRecordException("wrong type: indices must be an array of integers");
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = p.getIntValue();
    }
    return Arrays.copyOf(out, n);
  }

  /** Tokens hashed into the model's space as they are read. */
  private int[] tokens(JsonParser p, JsonToken v, DenseSample s)
      throws IOException, BadRecordException {
    if (v != JsonToken.START_ARRAY) {
      throw new BadRecordException("wrong type: tokens must be an array of strings");
    }
    int bits = tokenBits();
    int[] out = new int[16];
    int n = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.VALUE_STRING) {
        throw new BadRecordException("wrong type: tokens must be an array of strings");
      }
      String token = p.getText();
      if (token.isEmpty()) {
        s.sparseProblem = SparseFeatures.EMPTY_TOKEN;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = FeatureHashing.index(token, bits);
    }
    return Arrays.copyOf(out, n);
  }

  /** Numbers read into an array of the expected size (copied only when the count differs). */
  private static float[] floats(JsonParser p, JsonToken v, String field, int expected)
      throws IOException, BadRecordException {
    if (v != JsonToken.START_ARRAY) {
      throw new BadRecordException("wrong type: " + field + " must be an array of numbers");
    }
    float[] out = new float[Math.max(1, expected)];
    int n = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
        throw new BadRecordException("wrong type: " + field + " must be an array of numbers");
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = p.getFloatValue();
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }
}
