package io.streamgrad.jobs.cli;

import io.streamgrad.export.onnx.OnnxExporter;
import io.streamgrad.export.onnx.UnsupportedModelException;
import io.streamgrad.export.triton.LiveRepository;
import io.streamgrad.export.triton.RepositoryUpdater;
import io.streamgrad.export.triton.TritonRepository;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.online.serving.NewestVersions;
import io.streamgrad.online.serving.SnapshotFollower;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.snapshot.SnapshotFile;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Models out of streamgrad: one version as an ONNX file, or a Triton model repository, once or kept
 * up to date while the job trains.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Export models as ONNX: one model's newest (or a named) version to a file, or models to a Triton model repository, once or following the snapshot topic (--follow).")
public final class ExportCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(
      names = "--format",
      defaultValue = "onnx",
      description = "The format: onnx (opset 17, IR version 8) (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--model-id",
      paramLabel = "ID",
      description =
          "The model to export; repeatable with --triton-repository (default there: every model on the topic).")
  List<String> modelIds = List.of();

  @Option(
      names = "--version",
      description = "Export this version instead of the newest (not with --follow).")
  Long version;

  @Option(names = "--output", paramLabel = "FILE", description = "Write the ONNX model to FILE.")
  Path output;

  @Option(
      names = "--triton-repository",
      paramLabel = "DIR",
      description =
          "Write a Triton model repository: DIR/<model>/config.pbtxt and DIR/<model>/<version>/model.onnx, each version written atomically.")
  Path tritonRepository;

  @Option(
      names = "--follow",
      description =
          "Keep the Triton repository up to date: each version published on the snapshot topic becomes a version directory (at most one every --min-interval per model) until stopped.")
  boolean follow;

  @Option(
      names = "--min-interval",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "With --follow: at most one exported version per model this often (default: ${DEFAULT-VALUE}).")
  Duration minInterval;

  @Option(
      names = "--keep",
      defaultValue = "3",
      description = "Versions kept per model in the Triton repository (default: ${DEFAULT-VALUE}).")
  int keep;

  @Option(
      names = "--max-batch-size",
      defaultValue = "1024",
      description =
          "Triton's max_batch_size (with dynamic batching); 0 for none (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @Option(
      names = "--standardization",
      defaultValue = "nodes",
      description =
          "A standardized model's statistics as nodes (in double: exactly the trainer's inputs) or folded into the first layer (default: ${DEFAULT-VALUE}).")
  String standardization;

  @Option(
      names = "--snapshot-file",
      paramLabel = "FILE",
      description =
          "Read snapshots from FILE instead of the topic: an Avro container file of WeightSnapshot, or snapshot records back to back as the topic holds them.")
  Path snapshotFile;

  @Option(
      names = "--idle-timeout",
      defaultValue = "0s",
      converter = DurationConverter.class,
      description =
          "With --follow: stop once the topic has been read to its end and no version was exported for this long; 0 = until interrupted (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Override
  public Integer call() throws Exception {
    validate();
    OnnxExporter exporter =
        OnnxExporter.create()
            .standardization(
                OnnxExporter.Standardization.valueOf(standardization.toUpperCase(Locale.ROOT)));
    if (follow) {
      return follow(exporter);
    }
    NewestVersions models =
        new NewestVersions(Set.copyOf(modelIds), version == null ? Long.MAX_VALUE : version);
    String source = read(models);
    Set<String> ids = modelIds.isEmpty() ? models.modelIds() : new LinkedHashSet<>(modelIds);
    if (ids.isEmpty()) {
      throw new BadOption("no model on " + source + refusals(models));
    }
    TritonRepository repo = tritonRepository == null ? null : repository(exporter);
    for (String id : ids) {
      ServedModel m = models.latest(id);
      if (m == null || (version != null && m.version() != version)) {
        throw new BadOption(
            "model "
                + id
                + (version == null ? "" : " has no complete version " + version)
                + (m == null ? " not found" : " (newest read: version " + m.version() + ")")
                + " on "
                + source
                + refusals(models));
      }
      try {
        if (output != null) {
          exporter.write(m, output);
          System.out.printf(
              "model %s version %d (%s) -> %s (%,d bytes)%n",
              id, m.version(), m.predictor().spec(), output, Files.size(output));
        } else {
          Path dir = repo.add(m);
          System.out.printf("model %s version %d -> %s%n", id, m.version(), dir);
        }
      } catch (UnsupportedModelException e) {
        throw new BadOption("model " + id + " cannot be exported: " + e.getMessage());
      }
    }
    return 0;
  }

  private void validate() {
    Check.oneOf("--format", format, "onnx");
    Check.oneOf("--standardization", standardization, "nodes", "folded");
    if ((output == null) == (tritonRepository == null)) {
      throw new BadOption("give one of --output FILE or --triton-repository DIR");
    }
    if (output != null && modelIds.size() != 1) {
      throw new BadOption("--output writes one model: give one --model-id");
    }
    if (follow && tritonRepository == null) {
      throw new BadOption(
          "--follow keeps a Triton repository up to date: give --triton-repository");
    }
    if (follow && (version != null || snapshotFile != null)) {
      throw new BadOption(
          "--follow follows the snapshot topic: not with --version or --snapshot-file");
    }
    if (version != null) {
      Check.positive("--version", version);
    }
    Check.positive("--keep", keep);
    Check.atLeast("--max-batch-size", maxBatchSize, 0);
    if (minInterval.isNegative() || idleTimeout.isNegative()) {
      throw new BadOption("--min-interval and --idle-timeout must not be negative");
    }
    if (snapshotFile != null && !Files.isRegularFile(snapshotFile)) {
      throw new BadOption("--snapshot-file " + snapshotFile + ": no such file");
    }
    for (String id : modelIds) {
      Check.notBlank("--model-id", id);
    }
    kafka.validate(snapshotFile == null);
  }

  /**
   * Reads every snapshot of the file or the topic (committed, to its end now) into {@code into}.
   */
  private String read(NewestVersions into) throws IOException {
    if (snapshotFile != null) {
      long n = SnapshotFile.read(snapshotFile, into::offer);
      return "file " + snapshotFile + " (" + n + " snapshot records)";
    }
    requireSnapshotTopic();
    long[] unreadable = {0};
    long n;
    try (TopicTail tail = TopicTail.open(kafka, kafka.snapshotsTopic, 0, true)) {
      n =
          tail.readToEnd(
              r -> {
                try {
                  into.offer(WireFormat.snapshot(r.value()));
                } catch (RuntimeException e) {
                  unreadable[0]++;
                }
              });
    }
    return "topic '"
        + kafka.snapshotsTopic
        + "' ("
        + n
        + " snapshot records"
        + (unreadable[0] > 0 ? ", " + unreadable[0] + " not snapshots" : "")
        + ")";
  }

  private static String refusals(NewestVersions models) {
    return models.refused() == 0
        ? ""
        : "; "
            + models.refused()
            + " snapshots could not be read as models, the last: "
            + models.lastRefusal();
  }

  private TritonRepository repository(OnnxExporter exporter) throws IOException {
    return TritonRepository.builder(tritonRepository)
        .exporter(exporter)
        .keep(keep)
        .maxBatchSize(maxBatchSize)
        .build();
  }

  /** Kafka answers and the snapshot topic exists, or the cause within --kafka-timeout. */
  private void requireSnapshotTopic() {
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopics("the snapshots to export", List.of(kafka.snapshotsTopic));
    }
  }

  private int follow(OnnxExporter exporter) throws Exception {
    requireSnapshotTopic();
    TritonRepository repo = repository(exporter);
    SnapshotFollower follower =
        SnapshotFollower.builder()
            .properties(kafka.clientProperties())
            .topic(kafka.snapshotsTopic)
            .modelIds(Set.copyOf(modelIds))
            .timeout(kafka.kafkaTimeout)
            .build();
    try {
      LiveRepository live =
          new LiveRepository(
              follower,
              new RepositoryUpdater(repo, minInterval, System::currentTimeMillis),
              Set.copyOf(modelIds),
              printer());
      System.out.printf(
          "following topic '%s' into Triton repository %s (%s, at most one version every %s per"
              + " model, %d kept)%n",
          kafka.snapshotsTopic,
          repo.root(),
          modelIds.isEmpty() ? "every model" : String.join(", ", modelIds),
          minInterval.toMillis() / 1000.0 + " s",
          keep);
      // Idle time counts once the follower has read what the topic held at the start, so a long
      // topic on a slow machine is never mistaken for a quiet one.
      long lastNews = 0;
      while (idleTimeout.isZero()
          || lastNews == 0
          || System.currentTimeMillis() - lastNews < idleTimeout.toMillis()) {
        boolean caughtUp = follower.caughtUp(); // before the pass: it then saw all of that
        if (live.pass(false) > 0 || (lastNews == 0 && caughtUp)) {
          lastNews = System.currentTimeMillis();
        }
        Thread.sleep(200);
      }
      System.out.printf(
          "exported %d versions; nothing new for %s%n",
          live.exported(), idleTimeout.toMillis() / 1000.0 + " s");
      return 0;
    } finally {
      follower.close();
    }
  }

  /** One line per exported version, one per model that cannot be exported. */
  static LiveRepository.Listener printer() {
    return new LiveRepository.Listener() {
      @Override
      public void exported(ServedModel model, Path modelDir) {
        System.out.printf(
            "model %s version %d -> %s%n",
            model.modelId(), model.version(), modelDir.resolve(Long.toString(model.version())));
      }

      @Override
      public void refused(String modelId, String why) {
        System.err.printf("model %s cannot be exported, skipped: %s%n", modelId, why);
      }
    };
  }
}
