package io.streamgrad.schemas;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/** Bytes of a Sample written with a schema version the job has never seen (an added field). */
public final class SingleObjectEncodingTestSchemas {
  private SingleObjectEncodingTestSchemas() {}

  public static byte[] sampleV2Bytes() throws Exception {
    Schema v2 =
        new Schema.Parser()
            .parse(
                Sample.getClassSchema()
                    .toString()
                    .replace(
                        "\"name\":\"eventTime\"",
                        "\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"eventTime\""));
    GenericRecord r = new GenericData.Record(v2);
    r.put("modelId", "m");
    r.put("features", List.of(1f, 2f, 3f));
    r.put("label", 1f);
    r.put("weight", 1f);
    r.put("source", "s");
    ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(r);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
