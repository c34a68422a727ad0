package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.Sample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} says what it did: an end-of-run accounting read back from what it committed, and
 * exit code 3 when it refused more of its input than {@code --max-dead-letters} allows.
 */
class TrainReportTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static final int GOOD = 3000;
  private static final int SHORT = 40;

  @TempDir Path dir;

  @BeforeAll
  static void produce() throws Exception {
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 2, "tr-samples");
    SyntheticData data = new SyntheticData(4, 3, 0.1f, 9);
    try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < GOOD; i++) {
        p.send(KafkaClients.record("tr-samples", data.next()));
      }
      for (int i = 0; i < SHORT; i++) {
        Sample s = data.next();
        s.setFeatures(List.of(1f)); // one feature of four: dead-lettered with its reason
        p.send(KafkaClients.record("tr-samples", s));
      }
    }
  }

  /** Runs train in this JVM, its stdout and stderr captured. */
  private record Result(int exit, String out) {}

  private Result train(String snapshots, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--samples-topic",
                "tr-samples",
                "--snapshots-topic",
                snapshots,
                "--dead-letters-topic",
                snapshots + "-dead",
                "--group-id",
                snapshots,
                "--features",
                "4",
                "--batch-size",
                "20",
                "--bounded",
                "--parallelism",
                "2",
                "--checkpoint-dir",
                dir.toString()));
    args.addAll(List.of(extra));
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
    int exit;
    try {
      System.setOut(both);
      System.setErr(both);
      exit = StreamgradCli.commandLine(new StreamgradCli()).execute(args.toArray(String[]::new));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    System.out.println(text);
    return new Result(exit, text);
  }

  @Test
  void aBoundedRunEndsWithItsAccounting() {
    Result r = train("tr-snapshots");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("a new job: no checkpoint, no savepoint"), r.out());
    assertTrue(
        r.out()
            .contains(
                String.format(
                    "streamgrad train: done: %,d samples trained on by 3 models, ", GOOD)),
        r.out());
    assertTrue(
        r.out()
            .contains(
                SHORT + " dead letters (wrong feature count: expected 4, got 1: " + SHORT + ")"),
        r.out());
    assertTrue(r.out().contains(", 0 restarts, "), r.out());
  }

  @Test
  void aFeedbackRunReportsItsJoin() {
    int produced =
        StreamgradCli.commandLine(new StreamgradCli())
            .execute(
                "produce",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--feedback",
                "--requests-topic",
                "tf-requests",
                "--labels-topic",
                "tf-labels",
                "--samples",
                "2000",
                "--models",
                "2",
                "--features",
                "4",
                "--label-delay",
                "20s",
                "--no-progress");
    assertEquals(0, produced);
    Result r =
        train(
            "tf-snapshots",
            "--requests-topic",
            "tf-requests",
            "--labels-topic",
            "tf-labels",
            "--feedback-topic",
            "tf-feedback",
            "--label-window",
            "2m",
            "--model",
            "logistic");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("streamgrad train: feedback join: label window PT2M"), r.out());
    assertTrue(r.out().contains("feedback (the models' totals): 2,000 events: "), r.out());
    assertTrue(r.out().contains(" expired, 0 pending; "), r.out());
    assertTrue(r.out().contains("0 orphans, 0 duplicates; 0 dead letters from the join"), r.out());
  }

  @Test
  void anotherJobsStateIsNotRestored() throws Exception {
    // What another job (other topics) left under the same name and directory.
    java.nio.file.Path chk = dir.resolve("streamgrad-train/run/chk-1");
    java.nio.file.Files.createDirectories(chk);
    java.nio.file.Files.writeString(chk.resolve("_metadata"), "not ours");
    java.nio.file.Files.writeString(
        dir.resolve("streamgrad-train/job-identity"), "samples=elsewhere snapshots=x");
    Result r = train("tr-other");
    assertEquals(2, r.exit(), r.out());
    assertTrue(
        r.out()
            .contains(
                "are another job's (samples=elsewhere snapshots=x; this one: samples=tr-samples"),
        r.out());
    assertTrue(r.out().contains("give this job its own --job-name, or --fresh"), r.out());
  }

  @Test
  void aRunThatRefusesMostOfItsInputExitsWithCode3() {
    Result r = train("tr-diverged", "--lr", "1e9");
    assertEquals(TrainCommand.REFUSED_TOO_MUCH, r.exit(), r.out());
    // Every sample is accounted for: trained, or a dead letter with its reason.
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "done: ([\\d,]+) samples trained on by \\d+ models, [\\d,]+ snapshots, ([\\d,]+) dead"
                    + " letters \\(non-finite update: \\d+; wrong feature count: expected 4, got 1: "
                    + SHORT
                    + "\\)")
            .matcher(r.out());
    assertTrue(m.find(), r.out());
    assertEquals(
        GOOD + SHORT,
        Long.parseLong(m.group(1).replace(",", "")) + Long.parseLong(m.group(2).replace(",", "")),
        r.out());
    assertTrue(
        r.out()
            .matches(
                "(?s).*of the input went to the dead letters \\(more than --max-dead-letters 0\\.1\\).*"),
        r.out());
  }
}
