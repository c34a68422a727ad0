package io.streamgrad.jobs.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamgrad.schemas.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What a decoder hands on for one record: exactly one output, the record or its dead letter. */
public final class DecoderOutput {
  private DecoderOutput() {}

  public static <T> Either<T, DeadLetter> of(
      RecordDecoder<T> decoder, ConsumerRecord<byte[], byte[]> record) {
    List<Either<T, DeadLetter>> out = new ArrayList<>();
    decoder.deserialize(
        record,
        new Collector<>() {
          @Override
          public void collect(Either<T, DeadLetter> r) {
            out.add(r);
          }

          @Override
          public void close() {}
        });
    assertEquals(1, out.size(), "exactly one output per record");
    return out.get(0);
  }
}
