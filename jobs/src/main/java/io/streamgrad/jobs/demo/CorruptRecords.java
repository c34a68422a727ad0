package io.streamgrad.jobs.demo;

import io.streamgrad.jobs.format.SampleDecoder;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Bad records for tests and demos, one kind after another: every case the job must report as a dead
 * letter rather than train on or crash over. Each is derived from a valid sample.
 */
public final class CorruptRecords {

  /** The kinds, in the order they are produced, with the reason the job reports for each. */
  public enum Kind {
    NOT_AVRO("not Avro single-object encoding"),
    UNKNOWN_FINGERPRINT("unknown schema fingerprint"),
    WRONG_FEATURE_COUNT(null),
    NAN_FEATURE("non-finite feature"),
    INFINITE_LABEL("non-finite label"),
    NAN_WEIGHT("non-finite weight"),
    NEGATIVE_WEIGHT("negative weight"),
    EMPTY_FEATURES("empty features"),
    EMPTY_MODEL_ID("empty model id"),
    LONG_MODEL_ID("model id longer than " + SampleDecoder.MAX_MODEL_ID_LENGTH + " characters");

    /** The dead-letter reason, or null where it depends on the data (the feature counts). */
    public final String reason;

    Kind(String reason) {
      this.reason = reason;
    }
  }

  /** A later version of Sample (one optional field more): a fingerprint the job does not know. */
  public static final Schema SAMPLE_NEXT_VERSION =
      new Schema.Parser()
          .parse(
              Sample.getClassSchema()
                  .toString()
                  .replace(
                      "\"name\":\"eventTime\"",
                      "\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"eventTime\""));

  private final SplittableRandom rng;
  private int next;

  public CorruptRecords(long seed) {
    this.rng = new SplittableRandom(seed);
  }

  /** The next kind of bad record, made from {@code good}: its key and its bytes. */
  public Bad next(Sample good) throws IOException {
    Kind kind = Kind.values()[next++ % Kind.values().length];
    Sample.Builder b = Sample.newBuilder(good);
    List<Float> x = new ArrayList<>(good.getFeatures());
    switch (kind) {
      case NOT_AVRO:
        byte[] junk = new byte[16];
        for (int i = 0; i < junk.length; i++) {
          junk[i] = (byte) rng.nextInt(256);
        }
        junk[0] = 0x7b; // never the single-object marker C3 01
        return new Bad(kind, good.getModelId(), junk);
      case UNKNOWN_FINGERPRINT:
        GenericRecord r = new GenericData.Record(SAMPLE_NEXT_VERSION);
        r.put("modelId", good.getModelId());
        r.put("features", x);
        r.put("label", good.getLabel());
        r.put("weight", good.getWeight());
        r.put("source", "a newer producer");
        r.put("indices", good.getIndices());
        r.put("values", good.getValues());
        r.put("tokens", good.getTokens());
        return new Bad(
            kind,
            good.getModelId(),
            WireFormat.bytes(
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), SAMPLE_NEXT_VERSION)
                    .encode(r)));
      case WRONG_FEATURE_COUNT:
        x.remove(x.size() - 1);
        b.setFeatures(x);
        break;
      case NAN_FEATURE:
        x.set(0, Float.NaN);
        b.setFeatures(x);
        break;
      case INFINITE_LABEL:
        b.setLabel(Float.POSITIVE_INFINITY);
        break;
      case NAN_WEIGHT:
        b.setWeight(Float.NaN);
        break;
      case NEGATIVE_WEIGHT:
        b.setWeight(-1f);
        break;
      case EMPTY_FEATURES:
        b.setFeatures(List.of());
        break;
      case EMPTY_MODEL_ID:
        b.setModelId("");
        break;
      case LONG_MODEL_ID:
        b.setModelId("m".repeat(SampleDecoder.MAX_MODEL_ID_LENGTH + 1));
        break;
      default:
        throw new AssertionError(kind);
    }
    Sample bad = b.build();
    return new Bad(kind, bad.getModelId(), WireFormat.encode(bad));
  }

  /** One bad record: its kind, its Kafka key and its value. */
  public record Bad(Kind kind, String key, byte[] value) {}
}
