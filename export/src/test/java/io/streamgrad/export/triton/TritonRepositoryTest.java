package io.streamgrad.export.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.export.onnx.ExportFixtures;
import io.streamgrad.export.onnx.OnnxRuntime;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.snapshot.ServedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TritonRepositoryTest {
  @TempDir Path dir;

  /** Version {@code version} of a logistic model of 4 features. */
  private static ServedModel version(String id, long version) {
    ServedModel m = ExportFixtures.model(id, Models.logistic().spec(4), true, version);
    return ServedModel.of(id, version, m.timestampMillis(), m.predictor());
  }

  @Test
  void writesTritonsLayoutWithItsConfig() throws Exception {
    TritonRepository repo = TritonRepository.builder(dir).build();
    Path v = repo.add(version("model-0", 12));
    assertEquals(dir.resolve("model-0").resolve("12"), v);
    assertTrue(Files.isRegularFile(v.resolve("model.onnx")));
    String config = Files.readString(dir.resolve("model-0").resolve("config.pbtxt"));
    assertTrue(config.contains("name: \"model-0\""), config);
    assertTrue(config.contains("backend: \"onnxruntime\""), config);
    assertTrue(config.contains("max_batch_size: 1024"), config);
    assertTrue(
        config.contains("name: \"features\"\n    data_type: TYPE_FP32\n    dims: [ 4 ]"), config);
    assertTrue(config.contains("name: \"prediction\""), config);
    assertTrue(config.contains("reshape: { shape: [ ] }"), config);
    assertTrue(config.contains("version_policy: { latest: { num_versions: 1 } }"), config);
    // Nothing else in the repository: no staging left behind.
    try (Stream<Path> top = Files.list(dir)) {
      assertEquals(List.of(dir.resolve("model-0")), top.toList());
    }
    try (OnnxRuntime ort = new OnnxRuntime(Files.readAllBytes(v.resolve("model.onnx")))) {
      assertEquals(1, ort.predict(new float[] {1, 2, 3, 4}, 4, null, 1).length);
    }
  }

  @Test
  void sparseModelsTakeIndicesAndValuesOfAnyWidth() throws Exception {
    TritonRepository repo = TritonRepository.builder(dir).maxBatchSize(0).build();
    ModelSpec spec = SparseModels.factorizationMachine(8, 2).spec(0);
    repo.add(ExportFixtures.model("fm", spec, false, 1));
    String config = Files.readString(dir.resolve("fm").resolve("config.pbtxt"));
    assertTrue(config.contains("max_batch_size: 0"), config);
    assertTrue(
        config.contains("name: \"indices\"\n    data_type: TYPE_INT64\n    dims: [ -1, -1 ]"),
        config);
    assertTrue(
        config.contains("name: \"values\"\n    data_type: TYPE_FP32\n    dims: [ -1, -1 ]"),
        config);
    assertFalse(config.contains("name: \"features\""), config);
  }

  @Test
  void keepsTheNewestVersionsAndSkipsOnesItHas() throws Exception {
    TritonRepository repo = TritonRepository.builder(dir).keep(2).build();
    for (long v : new long[] {3, 5, 9}) {
      repo.add(version("m", v));
    }
    assertEquals(List.of(5L, 9L), repo.versions("m"));
    repo.add(version("m", 9));
    assertEquals(List.of(5L, 9L), repo.versions("m"));
  }

  @Test
  void aFailedWriteLeavesNoPartialVersionAndTheNextOpenCleansUp() throws Exception {
    TritonRepository good = TritonRepository.builder(dir).build();
    good.add(version("m", 1));
    AtomicLong calls = new AtomicLong();
    TritonRepository failing =
        TritonRepository.builder(dir)
            .fileWriter(
                (model, out) -> {
                  byte[] bytes = model.toByteArray();
                  out.write(bytes, 0, bytes.length / 2); // half a model, then the disk fails
                  calls.incrementAndGet();
                  throw new IOException("injected: disk full");
                })
            .build();
    assertThrows(IOException.class, () -> failing.add(version("m", 2)));
    assertThrows(IOException.class, () -> failing.add(version("new-model", 1)));
    assertEquals(2, calls.get());
    assertEquals(List.of(1L), failing.versions("m"));
    assertFalse(Files.exists(dir.resolve("new-model")), "a new model appears whole or not at all");
    assertFalse(Files.exists(dir.resolve(TritonRepository.STAGING)));

    // A writer killed mid-write leaves its staging directory; the next one removes it.
    Path leftover = dir.resolve(TritonRepository.STAGING).resolve("m-7");
    Files.createDirectories(leftover);
    Files.write(leftover.resolve("model.onnx"), new byte[] {1, 2, 3});
    TritonRepository reopened = TritonRepository.builder(dir).build();
    assertFalse(Files.exists(dir.resolve(TritonRepository.STAGING)));
    reopened.add(version("m", 2));
    assertEquals(List.of(1L, 2L), reopened.versions("m"));
  }

  @Test
  void modelIdsThatAreNotPlainNamesGetDistinctDirectories() {
    assertEquals("model-0", TritonRepository.modelName("model-0"));
    String a = TritonRepository.modelName("eu/clicks");
    String b = TritonRepository.modelName("eu_clicks");
    assertTrue(a.startsWith("eu_clicks-"), a);
    assertEquals("eu_clicks", b);
    assertFalse(TritonRepository.modelName("..").startsWith("."));
  }

  @Test
  void theUpdaterExportsNewerVersionsAtMostOnceAnInterval() throws Exception {
    TritonRepository repo = TritonRepository.builder(dir).keep(10).build();
    AtomicLong now = new AtomicLong(1_000);
    RepositoryUpdater updater = new RepositoryUpdater(repo, Duration.ofSeconds(5), now::get);
    assertTrue(updater.offer(version("m", 1)));
    assertFalse(updater.offer(version("m", 1)), "the same version");
    now.addAndGet(1_000);
    assertFalse(updater.offer(version("m", 2)), "within the interval");
    now.addAndGet(4_000);
    assertTrue(updater.offer(version("m", 3)), "the newest once the interval passed");
    assertEquals(List.of(1L, 3L), repo.versions("m"));

    // A restarted updater continues from the repository: no version older than what it holds.
    RepositoryUpdater restarted = new RepositoryUpdater(repo, Duration.ZERO, now::get);
    assertFalse(restarted.offer(version("m", 2)));
    assertTrue(restarted.offer(version("m", 4)));
  }

  @Test
  void theWrittenModelIsTheVersionItIsNamedFor() throws Exception {
    TritonRepository repo = TritonRepository.builder(dir).build();
    ServedModel m = version("m", 4);
    float[] x = {0.5f, -1, 2, 7};
    float[] expected = new float[1];
    m.predict(x, null, 1, expected);
    Path file = repo.add(m).resolve("model.onnx");
    try (OnnxRuntime ort = new OnnxRuntime(Files.readAllBytes(file))) {
      assertEquals(expected[0], ort.predict(x, 4, null, 1)[0], 1e-6);
    }
  }
}
