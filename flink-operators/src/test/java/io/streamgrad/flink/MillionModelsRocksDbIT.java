package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.WeightSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million models with a few samples each, on RocksDB with incremental checkpoints, in a JVM whose
 * heap is at most 1 GiB (its own surefire run, see the module's pom): the job completes and every
 * sample is accounted for in exactly one update, every update in exactly one snapshot.
 *
 * <p>Samples come in windows of 100,000 models, each window's models in turn three times over; the
 * live cache holds 20,000 models per subtask, so nearly every sample evicts a model (written to
 * RocksDB) and restores another from there.
 */
class MillionModelsRocksDbIT {
  static final int MODELS = 1_000_000;
  static final int PER_MODEL = 4;
  static final int WINDOW = 100_000;
  static final int FEATURES = 8;

  /** Sample {@code i}: its model, window by window, round-robin within a window. */
  static int modelOf(long i) {
    long window = i / ((long) WINDOW * PER_MODEL);
    return (int) (window * WINDOW + i % WINDOW);
  }

  static final class Samples implements GeneratorFunction<Long, DenseSample> {
    @Override
    public DenseSample map(Long i) {
      int m = modelOf(i);
      float[] x = new float[FEATURES];
      float y = 0;
      for (int j = 0; j < FEATURES; j++) {
        x[j] = ((i * 31 + j * 7) % 13) / 13f - 0.5f;
        y += x[j] * ((m + j) % 5 - 2);
      }
      return new DenseSample("m" + m, x, y, 1f);
    }
  }

  @Test
  void millionModelsOnRocksDbWithOneGibOfHeap(@TempDir Path tmp) throws Exception {
    long heap = Runtime.getRuntime().maxMemory();
    assertTrue(heap <= 1L << 30, "this test must run with -Xmx1g or less, has " + heap);

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY, tmp.resolve("checkpoints").toUri().toString());
    conf.setString(
        "state.backend.rocksdb.localdir",
        Files.createDirectories(tmp.resolve("rocksdb")).toString());
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m")); // off the heap
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    env.enableCheckpointing(Duration.ofSeconds(5).toMillis());

    long total = (long) MODELS * PER_MODEL;
    var source =
        env.fromSource(
            new DataGeneratorSource<>(new Samples(), total, OnlineTrainer.denseSampleType()),
            WatermarkStrategy.noWatermarks(),
            "samples");
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(FEATURES)
            .model(Models.linear())
            .optimizer(Optimizers.sgd(0.05))
            .batchSize(3) // 4 samples: one full batch, then the rest at end of input
            .snapshotEvery(1)
            .maxLiveModels(20_000)
            .build();

    int[] snapshots = new int[MODELS];
    int[] samplesSeen = new int[MODELS];
    long[] versionSum = new long[1];
    try (CloseableIterator<long[]> it =
        trainer
            .trainDense(source)
            .map(MillionModelsRocksDbIT::summary)
            .returns(PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO)
            .executeAndCollect()) {
      while (it.hasNext()) {
        long[] s = it.next();
        int m = (int) s[0];
        snapshots[m]++;
        samplesSeen[m] = Math.max(samplesSeen[m], (int) s[2]);
        versionSum[0] += s[1];
      }
    }
    for (int m = 0; m < MODELS; m++) {
      assertEquals(2, snapshots[m], "snapshots of model m" + m);
      assertEquals(PER_MODEL, samplesSeen[m], "samples of model m" + m);
    }
    assertEquals(3L * MODELS, versionSum[0], "versions 1 and 2 of every model, once each");
  }

  static long[] summary(WeightSnapshot s) {
    return new long[] {
      Long.parseLong(s.getModelId().substring(1)), s.getVersion(), s.getSamplesSeen()
    };
  }
}
