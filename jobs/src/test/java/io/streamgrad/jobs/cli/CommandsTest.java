package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.schemas.Sample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** produce → train → watch as separate commands, as a user runs them against an existing Kafka. */
class CommandsTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static String run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      assertEquals(
          0, StreamgradCli.commandLine(new StreamgradCli()).execute(args), String.join(" ", args));
    } finally {
      System.setOut(saved);
    }
    return out.toString();
  }

  @Test
  void produceTrainWatch(@TempDir Path dir) throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 2, "s1", "w1", "d1");
    String topics = "--samples-topic=s1 --snapshots-topic=w1 --dead-letters-topic=d1";
    String produced =
        run(
            ("produce --bootstrap-servers "
                    + bs
                    + " "
                    + topics
                    + " --samples 3000 --models 1 --features 3 --seed 3 --no-progress")
                .split(" "));
    String weightsLine =
        produced.lines().filter(l -> l.startsWith("true weights: ")).findFirst().orElseThrow();
    Path weights = dir.resolve("w.json");
    Files.writeString(weights, weightsLine.substring("true weights: ".length()));

    run(
        ("train --bootstrap-servers "
                + bs
                + " "
                + topics
                + " --features 3 --bounded --parallelism 1 --checkpoint-interval-ms 0 --snapshot-every 20")
            .split(" "));

    String table =
        run(
            ("watch --bootstrap-servers "
                    + bs
                    + " "
                    + topics
                    + " --idle-timeout-ms 2000 --true-weights "
                    + weights)
                .split(" "));
    List<String> rows =
        new ArrayList<>(table.lines().filter(l -> l.startsWith("model-0")).toList());
    assertTrue(rows.size() >= 2, table);
    String[] last = rows.get(rows.size() - 1).trim().split("\\s+");
    assertEquals("3000", last[2], "samples seen: " + rows.get(rows.size() - 1));
    assertTrue(
        Double.parseDouble(last[last.length - 1]) < 0.05,
        "distance to the true weights: " + rows.get(rows.size() - 1));
  }

  @Test
  void produceTrainProduceRequestsPredict() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 2, "s3", "w3", "d3", "r3", "p3");
    String topics = "--samples-topic=s3 --snapshots-topic=w3 --dead-letters-topic=d3";
    run(
        ("produce --bootstrap-servers "
                + bs
                + " "
                + topics
                + " --samples 4000 --models 2 --features 3 --seed 5 --noise 0 --no-progress")
            .split(" "));
    run(
        ("train --bootstrap-servers "
                + bs
                + " "
                + topics
                + " --features 3 --lr 0.05 --bounded --parallelism 2 --checkpoint-interval-ms 0")
            .split(" "));
    String produced =
        run(
            ("produce --bootstrap-servers "
                    + bs
                    + " --requests 300 --requests-topic r3 --models 2 --features 3 --seed 5 --no-progress")
                .split(" "));
    assertTrue(produced.contains("produced 300 requests to r3"), produced);
    run(
        ("predict --bootstrap-servers "
                + bs
                + " "
                + topics
                + " --requests-topic r3 --predictions-topic p3 --bounded --parallelism 2 --checkpoint-interval-ms 0")
            .split(" "));
    // The requests' true outputs: the same seed gives the same true weights.
    io.streamgrad.jobs.demo.SyntheticData truth =
        new io.streamgrad.jobs.demo.SyntheticData(3, 2, 0f, 5);
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5 + 3);
    java.util.Map<String, Float> expected = new java.util.HashMap<>();
    for (long i = 0; i < 300; i++) {
      var r = truth.request(i, rng);
      expected.put(r.getRequestId(), truth.trueOutput(r));
    }
    java.util.Map<String, Float> got = new java.util.HashMap<>();
    try (var consumer = io.streamgrad.jobs.kafka.KafkaClients.consumer(bs, true)) {
      var partitions =
          consumer.partitionsFor("p3").stream()
              .map(i -> new org.apache.kafka.common.TopicPartition("p3", i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      var end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var rec : consumer.poll(java.time.Duration.ofMillis(200))) {
          var p = io.streamgrad.schemas.WireFormat.prediction(rec.value());
          got.put(p.getRequestId(), p.getOutput());
        }
      }
    }
    assertEquals(expected.keySet(), got.keySet(), "every request answered");
    for (var e : expected.entrySet()) {
      assertEquals(e.getValue(), got.get(e.getKey()), 0.05, e.getKey());
    }
  }

  @Test
  void benchTimesServingAndSampleFormats() throws Exception {
    String serving =
        run(
            ("bench serving --bootstrap-servers "
                    + kafka.bootstrapServers()
                    + " --samples 3000 --configs 4x1 --models 3 --rounds 1 --warmup-rounds 0"
                    + " --latency-rate 1000 --latency-seconds 1")
                .split(" "));
    // Each job checked that it answered every request (it throws otherwise).
    assertTrue(serving.matches("(?s).*predict / passthrough: \\d+\\.\\d+x.*"), serving);
    assertTrue(serving.contains("latency at 1000 requests/s"), serving);
    assertTrue(serving.contains("(1000 requests)"), serving);
    String formats =
        run(
            ("bench formats --bootstrap-servers "
                    + kafka.bootstrapServers()
                    + " --samples 3200 --configs 4x1 --rounds 1 --warmup-rounds 0")
                .split(" "));
    assertTrue(formats.matches("(?s).*json / avro: \\d+\\.\\d+x.*"), formats);
  }

  /** The job against the bare consumer, dense at parallelism 1 (chained) and sparse at 2. */
  @Test
  void benchWireTimesTheJobAgainstABareConsumer() throws Exception {
    for (String options :
        List.of("--configs 4x1", "--configs 4x3 --sparse-bits 12 --parallelism 2")) {
      String out =
          run(
              ("bench wire --bootstrap-servers "
                      + kafka.bootstrapServers()
                      + " --samples 3000 --rounds 1 --warmup-rounds 0 "
                      + options)
                  .split(" "));
      // Every side checked that it read every sample (they throw otherwise).
      assertTrue(out.matches("(?s).*train job / wire: \\d+\\.\\d+x.*"), out);
      assertTrue(out.matches("(?s).*source \\+ decoder only / wire: \\d+\\.\\d+x.*"), out);
      assertTrue(out.matches("(?s).*two threads, no Flink / wire: \\d+\\.\\d+x.*"), out);
      assertTrue(
          out.matches("(?s).*two threads, no Flink: CPU.*reading \\d+\\.\\d+, training.*"), out);
      assertTrue(out.contains("bare consumer + decoder"), out);
      assertTrue(out.contains("the bare consumer's own thread; each job's whole process"), out);
      // Each job's CPU by thread, the train job's first, each with its source's threads.
      int train = out.indexOf("train job: CPU by thread");
      int read = out.indexOf("source + decoder only: CPU by thread");
      assertTrue(train >= 0 && read > train, out);
      assertTrue(out.substring(train, read).contains("Source: Kafka samples"), out);
      assertTrue(out.substring(read).contains("Source: Kafka samples"), out);
    }
  }

  /** The feedback job against the train job and against serving alone, on the same events. */
  @Test
  void benchFeedbackTimesTheFeedbackJobAgainstTrainingAndServingAlone() throws Exception {
    String out =
        run(
            ("bench feedback --bootstrap-servers "
                    + kafka.bootstrapServers()
                    + " --configs 4x1 --samples 3000 --rounds 1 --warmup-rounds 0")
                .split(" "));
    // Each side checked that it saw (or answered) every event; they throw otherwise.
    assertTrue(out.matches("(?s).*feedback / train: \\d+\\.\\d+x.*"), out);
    assertTrue(out.matches("(?s).*serving alone / train: \\d+\\.\\d+x.*"), out);
    assertTrue(out.matches("(?s).*CPU by thread.*Source: Kafka requests.*"), out);
  }

  @Test
  void schemasPrintsEachWireSchemaStandaloneWithItsHeader(@TempDir Path dir) throws Exception {
    String out = run("schemas", "--out", dir.toString());
    byte[] sample =
        io.streamgrad.schemas.WireFormat.encode(
            io.streamgrad.schemas.Sample.newBuilder()
                .setModelId("m")
                .setFeatures(List.of(1f))
                .setLabel(0f)
                .build());
    String header = java.util.HexFormat.ofDelimiter(" ").withUpperCase().formatHex(sample, 0, 10);
    assertTrue(out.contains("# Sample-2 (io.streamgrad.schemas.Sample)"), out);
    assertTrue(out.contains("# single-object header: " + header), "the bytes a producer writes");
    for (String name :
        List.of(
            "Sample-2",
            "WeightSnapshot-4",
            "DeadLetter-2",
            "PredictionRequest-2",
            "Prediction-2",
            "DriftEvent-1")) {
      // Each file parses on its own: referenced records are inlined.
      org.apache.avro.Schema s =
          new org.apache.avro.Schema.Parser().parse(dir.resolve(name + ".avsc").toFile());
      assertEquals(
          io.streamgrad.schemas.KnownSchemas.fingerprint(s),
          io.streamgrad.schemas.KnownSchemas.fingerprint(
              io.streamgrad.schemas.KnownSchemas.released()
                  .findByFingerprint(io.streamgrad.schemas.KnownSchemas.fingerprint(s))));
      assertTrue(out.contains("# " + name + " "), name);
    }
    assertTrue(!out.contains("# WeightSnapshot-1 "), "only the newest by default");
    assertTrue(!out.contains("# Sample-1 "), "only the newest by default");
    assertTrue(!out.contains("# WeightSnapshot-2 "), "only the newest by default");
    assertTrue(!out.contains("# WeightSnapshot-3 "), "only the newest by default");
  }

  @Test
  void hashPrintsWhereEachTokenLands() {
    String out = run("hash", "--hash-bits", "20", "site=news.example", "hour=13", "日本");
    assertEquals("site=news.example\t646892\nhour=13\t474732\n日本\t653634\n", out);
    assertEquals("a\t2\n", run("hash", "--hash-bits", "4", "a"), "1009084850 mod 16");
    assertEquals(
        2,
        StreamgradCli.commandLine(new StreamgradCli()).execute("hash", "--hash-bits", "31", "a"));
  }

  @Test
  void catPrintsAnyTopicAsJsonLines() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 1, "c1");
    try (var p = io.streamgrad.jobs.kafka.KafkaClients.producer(bs)) {
      p.send(
          io.streamgrad.jobs.kafka.KafkaClients.record(
              "c1",
              io.streamgrad.schemas.Sample.newBuilder()
                  .setModelId("m-1")
                  .setFeatures(List.of(1f, 2f))
                  .setLabel(3f)
                  .build()));
      p.send(
          new org.apache.kafka.clients.producer.ProducerRecord<>(
              "c1",
              "r".getBytes(),
              io.streamgrad.schemas.WireFormat.encode(
                  io.streamgrad.schemas.PredictionRequest.newBuilder()
                      .setModelId("m-1")
                      .setRequestId("q")
                      .setFeatures(List.of(0.5f))
                      .build())));
      p.send(
          new org.apache.kafka.clients.producer.ProducerRecord<>(
              "c1", new byte[] {0, 0, 0, 0, 7, 2, 4}));
      p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("c1", new byte[] {1, 2, 3}));
      p.flush();
    }
    String out = run("cat", "--bootstrap-servers", bs, "--topic", "c1", "--idle-timeout-ms", "500");
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
    for (String l : out.lines().toList()) {
      lines.add(json.readTree(l)); // every line is JSON
    }
    assertEquals(4, lines.size(), out);
    assertEquals("Sample-2", lines.get(0).get("schema").asText());
    assertEquals("m-1", lines.get(0).get("key").asText());
    assertEquals(3.0, lines.get(0).get("value").get("label").asDouble());
    assertEquals("PredictionRequest-2", lines.get(1).get("schema").asText());
    assertEquals("q", lines.get(1).get("value").get("requestId").asText());
    assertTrue(
        lines
            .get(2)
            .get("error")
            .asText()
            .startsWith("Confluent Schema Registry framing (schema id 7)"),
        lines.get(2).toString());
    assertEquals("not Avro single-object encoding", lines.get(3).get("error").asText());
  }

  @Test
  void localAgainstAnExistingKafka(@TempDir Path dir) throws Exception {
    Path summary = dir.resolve("s.json");
    run(
        "local",
        "--bootstrap-servers",
        kafka.bootstrapServers(),
        "--samples-topic=s2",
        "--snapshots-topic=w2",
        "--dead-letters-topic=d2",
        "--samples",
        "2000",
        "--models",
        "1",
        "--features",
        "3",
        "--summary-json",
        summary.toString());
    String json = Files.readString(summary);
    assertTrue(json.contains("\"samples\": 2000"), json);
    assertTrue(json.contains("\"samplesSeen\": 2000"), json);

    // Again on the same topics, which now hold the first run's records: this run counts its own.
    run(
        "local",
        "--bootstrap-servers",
        kafka.bootstrapServers(),
        "--samples-topic=s2",
        "--snapshots-topic=w2",
        "--dead-letters-topic=d2",
        "--samples",
        "500",
        "--models",
        "1",
        "--features",
        "3",
        "--corrupt-fraction",
        "0.02",
        "--summary-json",
        summary.toString());
    com.fasterxml.jackson.databind.JsonNode second =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(summary.toFile());
    assertEquals(500, second.get("samples").asLong(), second.toString());
    assertEquals(
        500,
        second.get("samplesSeen").asLong() + second.get("deadLetters").asLong(),
        "trained on and refused only what this run produced: " + second);
    assertTrue(second.get("deadLetters").asLong() > 0, second.toString());
  }

  @Test
  void startingOffsetsAreValidated() {
    assertEquals(
        "starting offsets must be earliest, latest, committed or an epoch-millis timestamp, not 'yesterday'",
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> StartingOffsets.parse("yesterday"))
            .getMessage());
  }

  @Test
  void produceReadsCsvWithTheLabelLast(@TempDir Path dir) throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 1, "csv-samples");
    Path csv = dir.resolve("data.csv");
    Files.writeString(csv, "x1,x2,y\n1.5,-2,0.25\n.5,+3,1\n");
    run(
        "produce",
        "--bootstrap-servers",
        bs,
        "--samples-topic",
        "csv-samples",
        "--csv",
        csv.toString(),
        "--model-id",
        "csv-model");
    List<Sample> read = new ArrayList<>();
    KafkaOptions k = new KafkaOptions();
    k.bootstrapServers = bs;
    TopicReader.read(
        k,
        "csv-samples",
        1500,
        bytes -> {
          try {
            read.add(Sample.fromByteBuffer(ByteBuffer.wrap(bytes)));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    assertEquals(2, read.size());
    assertEquals("csv-model", read.get(0).getModelId());
    assertEquals(List.of(1.5f, -2f), read.get(0).getFeatures());
    assertEquals(0.25f, read.get(0).getLabel());
    assertEquals(
        List.of(0.5f, 3f), read.get(1).getFeatures(), "'.5' and '+3' are numbers, not a header");
  }

  @Test
  void aRowThatIsNotNumbersFailsInsteadOfBeingSkipped(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "x1,y\n1,2\nthree,4\n");
    int exit =
        new CommandLine(new StreamgradCli())
            .execute(
                "produce",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                "bad-csv",
                "--csv",
                csv.toString());
    assertTrue(exit != 0, "a malformed row must not be dropped silently");
  }

  @Test
  void benchTimesTrainingAgainstPassthroughOnTheSameRecords(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench.json");
    String out =
        run(
            ("bench --bootstrap-servers "
                    + kafka.bootstrapServers()
                    + " --samples 6400 --configs 4x1,3x5 --rounds 1 --warmup-rounds 0 --latency-rate 3000 --latency-seconds 1"
                    + " --summary-json "
                    + json)
                .split(" "));
    assertTrue(out.contains("4 features, 1 model"), out);
    assertTrue(out.contains("sample → snapshot latency"), out);
    com.fasterxml.jackson.databind.JsonNode summary =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
    assertEquals(2, summary.size(), "one object per configuration");
    assertEquals(4, summary.get(0).get("features").asInt(), "the first configuration first");
    assertEquals(5, summary.get(1).get("models").asInt());
    for (com.fasterxml.jackson.databind.JsonNode config : summary) {
      // 6400 samples = 100 full batches of 64, for 1 model or 5 (1280 samples each): one output
      // each.
      assertEquals(100, config.get("train").get("outputs").asLong(), config.toString());
      assertEquals(100, config.get("passthrough").get("outputs").asLong(), config.toString());
      double train = config.get("train").get("samplesPerSecond").asDouble();
      double pass = config.get("passthrough").get("samplesPerSecond").asDouble();
      assertTrue(train > 0 && pass > 0, config.toString());
      assertEquals(train / pass, config.get("ratio").asDouble(), 1e-9);
      // The process's CPU clock ticks in milliseconds, and 6,400 samples can take less than one.
      double cpu = config.get("train").get("cpuMicrosPerSample").asDouble();
      assertTrue(cpu >= 0 && Double.isFinite(cpu), config.toString());
    }
    com.fasterxml.jackson.databind.JsonNode latency = summary.get(0).get("latency");
    assertTrue(latency.get("p50Ms").asDouble() > 0, latency.toString());
    assertTrue(
        latency.get("p50Ms").asDouble() <= latency.get("p99Ms").asDouble(), latency.toString());
    assertEquals(
        2944, latency.get("samples").asLong(), "3000 samples/s for 1 s, in whole batches of 64");
    assertTrue(
        summary.get(1).get("latency") == null,
        "latency is measured on the first configuration only");
  }

  @Test
  void aModelIdWithEscapeSequencesIsPrintedNotObeyed() throws Exception {
    String bs = kafka.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 1, "esc-snapshots");
    String hostile = "m\u001b[2J\u001b]0;owned\u0007\u009b31m\u202e";
    io.streamgrad.online.train.ModelTrainer trainer =
        new io.streamgrad.online.train.ModelTrainer(
            io.streamgrad.online.train.TrainerConfig.builder().features(1).batchSize(1).build(),
            hostile);
    trainer.add(new float[] {1f}, 1f, 1f);
    trainer.step();
    try (var p = io.streamgrad.jobs.kafka.KafkaClients.producer(bs)) {
      p.send(
          new org.apache.kafka.clients.producer.ProducerRecord<>(
              "esc-snapshots",
              hostile.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              io.streamgrad.schemas.WireFormat.encode(
                  io.streamgrad.online.snapshot.Snapshots.of(hostile, trainer, false, 0L))));
      p.flush();
    }
    String watched =
        run(
            "watch",
            "--bootstrap-servers",
            bs,
            "--snapshots-topic",
            "esc-snapshots",
            "--idle-timeout-ms",
            "1000");
    String catted =
        run(
            "cat",
            "--bootstrap-servers",
            bs,
            "--topic",
            "esc-snapshots",
            "--idle-timeout-ms",
            "500");
    for (String out : List.of(watched, catted)) {
      assertTrue(out.contains("m\\u001b[2J"), out);
      assertTrue(
          out.chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x9b || c == 0x202e),
          "no control character reaches the terminal: " + out);
    }
  }
}
