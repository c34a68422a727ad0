package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.format.Json;
import io.streamgrad.jobs.format.RecordDecoder;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.WireFormat;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Any of the project's topics as JSON lines, for {@code jq}: samples, snapshots, requests,
 * predictions and dead letters, of any released schema version (known by the fingerprint in the
 * record's header). A record that is not one of them is shown with the reason it cannot be read.
 */
@Command(
    name = "cat",
    mixinStandardHelpOptions = true,
    description =
        "Print the records of a streamgrad topic (samples, snapshots, requests, predictions, dead letters, drift events) as JSON lines.")
public final class CatCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(names = "--topic", required = true, description = "The topic to read.")
  String topic;

  @Option(
      names = "--idle-timeout-ms",
      defaultValue = "2000",
      description =
          "After reaching the end of the topic, stop once nothing new arrived for this long (default: ${DEFAULT-VALUE}).")
  long idleTimeoutMs;

  @Option(
      names = "--from-timestamp",
      defaultValue = "0",
      description =
          "Start at the first record written at or after this epoch-millis time; 0 = the beginning (default: ${DEFAULT-VALUE}).")
  long fromTimestamp;

  @Option(
      names = "--read-uncommitted",
      description = "Also show records of open or aborted transactions.")
  boolean readUncommitted;

  @Override
  public Integer call() throws Exception {
    kafka.validate(true);
    Check.notBlank("--topic", topic);
    Check.atLeast("--idle-timeout-ms", idleTimeoutMs, 0);
    Check.atLeast("--from-timestamp", fromTimestamp, 0);
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopics("the records to print", List.of(topic));
    }
    JsonLines lines = new JsonLines(System.out);
    long n =
        TopicReader.readRecords(
            kafka, topic, idleTimeoutMs, fromTimestamp, !readUncommitted, lines::print);
    System.out.flush();
    System.err.println("streamgrad cat: " + n + " records of '" + topic + "'");
    return 0;
  }

  /** Records to JSON lines; decoders are kept per writer schema. */
  static final class JsonLines {
    private final PrintStream out;
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Long, GenericDatumReader<Object>> readers = new HashMap<>();
    private BinaryDecoder decoder;

    JsonLines(PrintStream out) {
      this.out = out;
      for (String name : KnownSchemas.releasedNames()) {
        Schema s = new Schema.Parser().parse(KnownSchemas.releasedText(name));
        long fp = KnownSchemas.fingerprint(s);
        names.put(fp, name);
        readers.put(fp, new GenericDatumReader<>(s));
      }
    }

    void print(ConsumerRecord<byte[], byte[]> r) {
      out.println(line(r));
    }

    String line(ConsumerRecord<byte[], byte[]> r) {
      StringBuilder b =
          new StringBuilder("{\"partition\": ")
              .append(r.partition())
              .append(", \"offset\": ")
              .append(r.offset())
              .append(", \"timestamp\": ")
              .append(r.timestamp())
              .append(", \"key\": ")
              .append(
                  r.key() == null
                      ? "null"
                      : Json.string(new String(r.key(), StandardCharsets.UTF_8)));
      byte[] v = r.value();
      if (v == null || !WireFormat.hasSingleObjectHeader(v)) {
        String why =
            v == null || v.length == 0 ? "empty record" : RecordDecoder.confluentFraming(v);
        return b.append(", \"error\": ")
            .append(Json.string(why))
            .append(", \"bytes\": ")
            .append(v == null ? 0 : v.length)
            .append('}')
            .toString();
      }
      long fp = WireFormat.fingerprint(v);
      GenericDatumReader<Object> reader = readers.get(fp);
      if (reader == null) {
        return b.append(", \"error\": \"unknown schema fingerprint ")
            .append(fp)
            .append("\", \"bytes\": ")
            .append(v.length)
            .append('}')
            .toString();
      }
      try {
        decoder =
            DecoderFactory.get()
                .binaryDecoder(
                    v, WireFormat.HEADER_LENGTH, v.length - WireFormat.HEADER_LENGTH, decoder);
        Object value = reader.read(null, decoder);
        return b.append(", \"schema\": ")
            .append(Json.string(names.get(fp)))
            .append(", \"value\": ")
            .append(GenericData.get().toString(value))
            .append('}')
            .toString();
      } catch (Exception e) {
        return b.append(", \"error\": ")
            .append(Json.string("malformed Avro body: " + e.getClass().getSimpleName()))
            .append(", \"bytes\": ")
            .append(v.length)
            .append('}')
            .toString();
      }
    }
  }
}
