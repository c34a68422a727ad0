package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * What a user who gets something wrong sees: one line naming the option or the cause, a non-zero
 * exit, no stack trace, and nothing done before it (no records produced, no job).
 */
class UserErrorsTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  /** Exit code and stderr of a command run in-process, as the CLI jar runs it. */
  record Run(int exit, String err, long millis) {}

  static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = StreamgradCli.commandLine(new StreamgradCli());
    cli.setErr(new PrintWriter(err, true));
    long start = System.nanoTime();
    int exit = cli.execute(args);
    return new Run(exit, err.toString(), (System.nanoTime() - start) / 1_000_000);
  }

  private static void assertOneLineError(Run r, int exit, String message) {
    assertEquals(exit, r.exit(), r.err());
    String first = r.err().lines().findFirst().orElse("");
    assertEquals(message, first, r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "local --lr -1 | streamgrad local: --lr must be a positive number, got -1.0",
        "local --features 0 | streamgrad local: --features must be a positive whole number, got 0 (only a sparse model, e.g. --model sparse-logistic, may have no dense features)",
        "local --model sparse-logistic --hash-bits 31 | streamgrad local: --hash-bits must be in [1, 30], got 31.0",
        "local --model fm:0 | streamgrad local: --model fm:0: the factor count must be positive, as in fm:8",
        "local --optimizer ftrl --ftrl 1,1 | streamgrad local: --ftrl must be BETA,L1,L2, three numbers >= 0, as in 1,1,1, not '1,1'",
        "local --sparse --model linear | streamgrad local: --sparse produces click data with hashed tokens: train it with a sparse model, e.g. --model sparse-logistic --optimizer ftrl --lr 0.1 --features 0",
        "local --model fm:4 --optimizer ftrl | streamgrad local: FTRL starts every weight at zero, and a factorization machine's factors must not: train fm with adagrad, lazy-adam or sgd",
        "local --models 0 | streamgrad local: --models must be a positive whole number, got 0",
        "local --model mlp:x | streamgrad local: --model mlp:x: hidden layer sizes must be positive whole numbers, as in mlp:32,16",
        "local --model mlp:8,0 | streamgrad local: --model mlp:8,0: hidden layer sizes must be positive whole numbers, as in mlp:32,16",
        "local --model quadratic | streamgrad local: --model must be linear, logistic, mlp:H1[,H2...], mlp-relu:H1[,H2...], sparse-logistic, sparse-linear or fm:K, not 'quadratic'",
        "local --samples -5 | streamgrad local: --samples must be a positive whole number, got -5",
        "local --samples 0 | streamgrad local: --samples must be a positive whole number, got 0",
        "local --optimizer lbfgs | streamgrad local: --optimizer must be sgd, adam, adagrad, ftrl or lazy-adam, not 'lbfgs'",
        "local --loss huber:x | streamgrad local: --loss huber:x: huber's delta must be a positive number, as in huber:1.5",
        "local --momentum 1 | streamgrad local: --momentum must be in [0, 1), got 1.0",
        "local --corrupt-fraction 2 | streamgrad local: --corrupt-fraction must be in [0, 1], got 2.0",
        "local --delivery twice | streamgrad local: --delivery must be at-least-once or exactly-once, not 'twice'",
        "local --state-backend disk | streamgrad local: --state-backend must be hashmap or rocksdb, not 'disk'",
        "local --max-record-bytes 0 | streamgrad local: --max-record-bytes must be a positive whole number, got 0",
        "local --batch-size 0 | streamgrad local: --batch-size must be a positive whole number, got 0",
        "local --max-live-models 0 | streamgrad local: --max-live-models must be a positive whole number or auto, not '0'",
        "local --model-ttl 0s | streamgrad local: --model-ttl must be positive, got 0ms",
        "local --per-model-metrics top:5 | streamgrad local: --per-model-metrics must be none, all or first:K with K >= 0, not 'top:5'",
        "local --partitions 0 | streamgrad local: --partitions must be a positive whole number, got 0",
        "local --kafka-timeout 5x | streamgrad local: Invalid value for option '--kafka-timeout': '5x' is not a duration such as 500ms, 10s, 5m, 2h or 7d",
        "produce --bootstrap-servers localhost:9 --features 0 | streamgrad produce: --features must be a positive whole number, got 0",
        "produce --bootstrap-servers localhost:9 --samples 0 | streamgrad produce: --samples must be a positive whole number, got 0",
        "produce --samples 10 | streamgrad produce: --bootstrap-servers is required",
        "train --bootstrap-servers localhost | streamgrad train: --bootstrap-servers: 'localhost' is not host:port",
        "train --bootstrap-servers localhost:9 --starting-offsets yesterday | streamgrad train: --starting-offsets must be earliest, latest, committed or an epoch-millis timestamp, not 'yesterday'",
        "train --bootstrap-servers localhost:9 --delivery exactly-once --checkpoint-interval-ms 0 | streamgrad train: --delivery exactly-once commits with checkpoints: set --checkpoint-interval-ms > 0",
        "train --bootstrap-servers localhost:9 --writer-schemas /nonexistent.avsc | streamgrad train: --writer-schemas /nonexistent.avsc: no such file or directory",
        "watch --bootstrap-servers localhost:9 --true-weights /nonexistent.json | streamgrad watch: --true-weights /nonexistent.json: no such file",
        "predict --bootstrap-servers localhost:9 --request-batch-size 0 | streamgrad predict: --request-batch-size must be a positive whole number, got 0",
        "predict --bootstrap-servers localhost:9 --stale-models ignore | streamgrad predict: --stale-models must be refuse or flag, not 'ignore'",
        "predict --bootstrap-servers localhost:9 --max-model-age 0s | streamgrad predict: --max-model-age must be positive, got 0ms",
        "predict --bootstrap-servers localhost:9 --delivery exactly-once --checkpoint-interval-ms 0 | streamgrad predict: --delivery exactly-once commits with checkpoints: set --checkpoint-interval-ms > 0",
        "predict --requests-topic r | streamgrad predict: --bootstrap-servers is required",
        "local --requests -1 | streamgrad local: --requests must be at least 0, got -1",
        "local --sample-format xml | streamgrad local: --sample-format must be avro or json, not 'xml'",
        "produce --bootstrap-servers localhost:9 --sample-format csv | streamgrad produce: --sample-format must be avro or json, not 'csv'",
        "produce --bootstrap-servers localhost:9 --requests 5 --csv /tmp/x.csv | streamgrad produce: --requests makes synthetic requests; it cannot read --csv",
      })
  void aBadOptionIsRefusedBeforeAnythingHappens(String args, String message) {
    Run r = run(args.trim().split(" "));
    assertOneLineError(r, CommandLine.ExitCode.USAGE, message.trim());
    assertTrue(r.err().contains("--help"), r.err());
    assertFalse(
        r.err().contains("embedded Kafka"), "no broker started, nothing produced: " + r.err());
  }

  @Test
  void anUnreachableKafkaIsNamedWithItsCause() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort(); // nothing listens there once closed
    }
    String refused = "localhost:" + closed;
    for (String command : List.of("train", "produce", "watch", "local")) {
      Run r = run(command, "--bootstrap-servers", refused, "--kafka-timeout", "2s");
      assertOneLineError(
          r,
          CommandLine.ExitCode.SOFTWARE,
          "streamgrad " + command + ": cannot reach Kafka at " + refused + " (connection refused)");
      assertTrue(
          r.millis() < 60_000,
          command + " took " + r.millis() + " ms: it must not retry in silence");
    }
    Run unknown =
        run("train", "--bootstrap-servers", "nosuchhost.invalid:9092", "--kafka-timeout", "2s");
    assertOneLineError(
        unknown,
        CommandLine.ExitCode.SOFTWARE,
        "streamgrad train: cannot reach Kafka at nosuchhost.invalid:9092 (host not found)");
  }

  @Test
  void aServerThatIsNotKafkaIsNamedToo() throws Exception {
    // Accepts connections and never answers: a wrong port, a proxy, a TLS listener spoken to in
    // plaintext.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept());
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String address = "localhost:" + silent.getLocalPort();
      Run r =
          run(
              "produce",
              "--bootstrap-servers",
              address,
              "--kafka-timeout",
              "2s",
              "--samples",
              "10");
      assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
      assertTrue(
          r.err()
              .startsWith(
                  "streamgrad produce: Kafka at "
                      + address
                      + " accepted a connection but did not answer as a Kafka broker within 2 s"),
          r.err());
    }
  }

  @Test
  void aMissingTopicIsNamed() throws Exception {
    String bs = kafka.bootstrapServers();
    Run train =
        run("train", "--bootstrap-servers", bs, "--samples-topic", "no-such-samples", "--bounded");
    assertOneLineError(
        train,
        CommandLine.ExitCode.SOFTWARE,
        "streamgrad train: topic 'no-such-samples' does not exist at "
            + bs
            + " (the samples to train on); create it first");
    Run feedback =
        run(
            "train",
            "--bootstrap-servers",
            bs,
            "--requests-topic",
            "no-such-requests",
            "--labels-topic",
            "no-such-labels",
            "--label-window",
            "5m",
            "--model",
            "logistic",
            "--bounded");
    assertOneLineError(
        feedback,
        CommandLine.ExitCode.SOFTWARE,
        "streamgrad train: topic 'no-such-labels' does not exist at "
            + bs
            + " (the labels to learn from); create it first");
    Run watch =
        run(
            "watch",
            "--bootstrap-servers",
            bs,
            "--snapshots-topic",
            "no-such-snapshots",
            "--idle-timeout-ms",
            "100");
    assertOneLineError(
        watch,
        CommandLine.ExitCode.SOFTWARE,
        "streamgrad watch: topic 'no-such-snapshots' does not exist at "
            + bs
            + " (the snapshots to watch); create it first");
  }

  @Test
  void theBrokerSettingsThatDecideAreReadFromTheCluster() throws Exception {
    String bs = kafka.bootstrapServers();
    Properties p = new Properties();
    p.put("bootstrap.servers", bs);
    try (Admin admin = Admin.create(p)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("small-topic", 1, (short) 1)
                      .configs(Map.of("max.message.bytes", "200000"))))
          .all()
          .get();
    }
    try (var check =
        io.streamgrad.jobs.kafka.KafkaPreflight.connect(
            bs, new Properties(), java.time.Duration.ofSeconds(10))) {
      assertEquals(200_000, check.maxMessageBytes("small-topic"));
      assertEquals(
          1_048_588, check.maxMessageBytes("not-created-yet"), "the broker's message.max.bytes");
      assertEquals(
          java.util.Set.of("not-created-yet"),
          check.missing(List.of("small-topic", "not-created-yet")));
      assertTrue(check.autoCreatesTopics(), "Kafka's default, read from the broker");
    }
  }

  @Test
  void localSaysWhenTheModelsGetLessThanABatchEach() {
    assertEquals(
        "20,000 samples over 1,000 models is about 20 per model, fewer than one batch of 32: each"
            + " model trains once, on what the end of the input flushes (add --samples, or lower"
            + " --batch-size)",
        LocalCommand.fewerThanABatch(20_000, 1000, 32));
    assertEquals(null, LocalCommand.fewerThanABatch(20_000, 2, 32));
  }

  @Test
  void aControllerAddressGivenAsTheBootstrapIsNamedWithoutAStackTrace() throws Exception {
    try (EmbeddedKafka k = new EmbeddedKafka()) {
      java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
      java.io.PrintStream err = System.err;
      Run r;
      try {
        System.setErr(
            new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8));
        r = run("watch", "--bootstrap-servers", k.controllerAddress(), "--kafka-timeout", "5s");
      } finally {
        System.setErr(err);
      }
      String log = logged.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
      assertTrue(r.err().startsWith("streamgrad watch: "), r.err());
      assertTrue(
          r.err()
              .startsWith(
                  "streamgrad watch: Kafka at "
                      + k.controllerAddress()
                      + " is not a broker's client listener (a KRaft controller's?): "),
          r.err());
      assertFalse(log.contains("\tat "), "no stack trace in the log: " + log);
    }
  }

  @Test
  void produceStopsWithTheCountWhenKafkaGoesAwayMidRun() throws Exception {
    EmbeddedKafka doomed = new EmbeddedKafka();
    String bs = doomed.bootstrapServers();
    EmbeddedKafka.createTopics(bs, 1, "doomed-samples");
    Run[] result = new Run[1];
    Thread produce =
        new Thread(
            () ->
                result[0] =
                    run(
                        "produce",
                        "--bootstrap-servers",
                        bs,
                        "--samples-topic",
                        "doomed-samples",
                        "--samples",
                        "1000000",
                        "--rate",
                        "500",
                        "--kafka-timeout",
                        "2s",
                        "--kafka-property",
                        "delivery.timeout.ms=15000", // rides out 15 s, not Kafka's 2 minutes
                        "--no-progress"));
    produce.start();
    KafkaOptions k = new KafkaOptions();
    k.bootstrapServers = bs;
    k.kafkaTimeout = java.time.Duration.ofSeconds(10);
    try (var consumer = io.streamgrad.jobs.kafka.KafkaClients.consumer(bs, false)) {
      var tp = new org.apache.kafka.common.TopicPartition("doomed-samples", 0);
      consumer.assign(List.of(tp));
      while (consumer.endOffsets(List.of(tp)).get(tp) < 100) { // some records are in
        consumer.poll(java.time.Duration.ofMillis(100));
      }
    }
    doomed.close();
    produce.join(120_000);
    assertFalse(produce.isAlive(), "produce must not hang once Kafka is gone");
    Run r = result[0];
    assertEquals(CommandLine.ExitCode.SOFTWARE, r.exit(), r.err());
    // The broker first, not the symptom ("Topic … not present in metadata"), then the count.
    assertTrue(
        r.err()
            .matches(
                "(?s)streamgrad produce: gave up: cannot reach Kafka at "
                    + java.util.regex.Pattern.quote(bs)
                    + " \\(connection refused\\) \\(\\d+ records were written to 'doomed-samples'"
                    + " before Kafka.*"),
        r.err());
  }

  @Test
  void verbosePrintsTheStackTrace() {
    Run r =
        run("train", "--bootstrap-servers", "localhost:9", "--snapshot-every", "0", "--verbose");
    assertEquals(CommandLine.ExitCode.USAGE, r.exit());
    assertTrue(r.err().contains("\tat "), r.err());
  }
}
