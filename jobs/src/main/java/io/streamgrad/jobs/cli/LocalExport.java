package io.streamgrad.jobs.cli;

import io.streamgrad.export.onnx.OnnxExporter;
import io.streamgrad.export.triton.LiveRepository;
import io.streamgrad.export.triton.RepositoryUpdater;
import io.streamgrad.export.triton.TritonRepository;
import io.streamgrad.online.serving.SnapshotFollower;
import io.streamgrad.online.snapshot.ServedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code local --export DIR}: a Triton repository kept up to date while the local job trains (what
 * {@code export --follow} does beside a real job), then each model's last version exported.
 */
final class LocalExport implements AutoCloseable {
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  private final TritonRepository repository;
  private final SnapshotFollower follower;
  private final LiveRepository live;
  private final Map<String, String> refused = new TreeMap<>();
  private final Thread thread;
  private volatile boolean stopped;
  private volatile Exception failure;

  private LocalExport(KafkaOptions kafka, Path dir) throws Exception {
    repository = TritonRepository.builder(dir).exporter(OnnxExporter.create()).build();
    follower =
        SnapshotFollower.builder()
            .properties(kafka.clientProperties())
            .topic(kafka.snapshotsTopic)
            .timeout(kafka.kafkaTimeout)
            .build();
    live =
        new LiveRepository(
            follower,
            new RepositoryUpdater(repository, MIN_INTERVAL, System::currentTimeMillis),
            Set.of(),
            new LiveRepository.Listener() {
              @Override
              public void exported(ServedModel model, Path versionDir) {}

              @Override
              public void refused(String modelId, String why) {
                refused.put(modelId, why);
              }
            });
    thread = new Thread(this::run, "streamgrad-local-export");
    thread.setDaemon(true);
    thread.start();
  }

  static LocalExport start(KafkaOptions kafka, Path dir) throws Exception {
    return new LocalExport(kafka, dir);
  }

  private void run() {
    try {
      while (!stopped) {
        live.pass(false);
        Thread.sleep(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      failure = e;
    }
  }

  /**
   * Waits until the follower has read each model's {@code newest} version, exports it and prints
   * where the repository is.
   */
  void finish(Map<String, Long> newest) throws Exception {
    stopped = true;
    thread.join();
    if (failure != null) {
      throw failure;
    }
    for (Map.Entry<String, Long> e : newest.entrySet()) {
      follower.await(e.getKey(), e.getValue(), Duration.ofSeconds(60));
    }
    live.pass(true);
    System.out.printf(
        "exported %d versions of %d models as ONNX to the Triton repository %s%n",
        live.exported(), newest.size() - refused.size(), repository.root());
    refused.forEach((id, why) -> System.out.printf("  model %s not exported: %s%n", id, why));
    newest.keySet().stream()
        .filter(id -> !refused.containsKey(id))
        .limit(3)
        .forEach(
            id ->
                System.out.printf(
                    "  %s%n",
                    repository
                        .root()
                        .resolve(TritonRepository.modelName(id))
                        .resolve(Long.toString(newest.get(id)))
                        .resolve("model.onnx")));
    System.out.printf(
        "serve it: tritonserver --model-repository %s (see docs/concepts/export.md)%n",
        repository.root());
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.join(5_000);
    follower.close();
  }
}
