package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.format.SampleDecoder;
import io.streamgrad.jobs.kafka.KafkaSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import picocli.CommandLine.Option;

/** What the job accepts as input: record size and the writer schemas producers announce. */
final class InputOptions {
  @Option(
      names = "--max-record-bytes",
      description =
          "Records larger than this go to the dead letters as 'record too large: N bytes' (with a prefix of the record), before decoding (default: ${DEFAULT-VALUE}).",
      defaultValue = "" + SampleDecoder.DEFAULT_MAX_RECORD_BYTES)
  int maxRecordBytes;

  @Option(
      names = "--sample-format",
      defaultValue = "avro",
      description =
          "How samples are written: avro (single-object encoding) or json ({\"modelId\": \"m1\", \"features\": [..], \"label\": 1.5, \"weight\": 1.0}) (default: ${DEFAULT-VALUE}).")
  String sampleFormat;

  @Option(
      names = "--writer-schemas",
      paramLabel = "PATH",
      description =
          "Writer schemas of Sample that producers use besides the released ones: an .avsc file, or a directory of them; repeatable. Records of those schemas are resolved against this version.")
  List<Path> writerSchemas = new ArrayList<>();

  /** Parses and checks every announced schema; returns them as JSON for the job. */
  List<String> validate() {
    Check.positive("--max-record-bytes", maxRecordBytes);
    Check.oneOf("--sample-format", sampleFormat, "avro", "json");
    List<String> json = new ArrayList<>();
    for (Path p : writerSchemas) {
      if (!Files.exists(p)) {
        throw new BadOption("--writer-schemas " + p + ": no such file or directory");
      }
      List<Path> files;
      try (Stream<Path> dir = Files.isDirectory(p) ? Files.list(p) : Stream.of(p)) {
        files =
            dir.filter(f -> Files.isDirectory(p) ? f.toString().endsWith(".avsc") : true)
                .sorted()
                .toList();
      } catch (IOException e) {
        throw new BadOption("--writer-schemas " + p + ": cannot read it (" + e.getMessage() + ")");
      }
      for (Path f : files) {
        String text;
        try {
          text = Files.readString(f, StandardCharsets.UTF_8);
          Schema parsed = new Schema.Parser().parse(text);
          SampleDecoder.knownSchemas(List.of(parsed.toString()));
          json.add(parsed.toString());
        } catch (IOException e) {
          throw new BadOption(
              "--writer-schemas " + f + ": cannot read it (" + e.getMessage() + ")");
        } catch (SchemaParseException | IllegalArgumentException e) {
          throw new BadOption("--writer-schemas " + f + ": " + e.getMessage());
        }
      }
    }
    return json;
  }

  void applyTo(KafkaSettings.Builder settings, List<String> writerSchemaJson) {
    settings.maxRecordBytes(maxRecordBytes);
    settings.sampleFormat(KafkaSettings.SampleFormat.parse(sampleFormat));
    settings.writerSchemas(writerSchemaJson);
  }
}
