package io.streamgrad.jobs.bench;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.online.train.TrainerState;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Memory per model: the heap a live trainer takes (fresh, and once it has filled a batch), and the
 * bytes of its keyed state as Flink serializes it (what RocksDB stores per model before its own
 * compression, and what a full checkpoint writes per model).
 */
public final class MemoryBench {

  /** One configuration's figures. */
  public record Row(
      int features,
      int batchSize,
      long heapFresh,
      long heapFullBatch,
      long estimateFresh,
      long estimateFullBatch,
      int stateBytesEmptyBatch,
      int stateBytesHalfBatch) {}

  private MemoryBench() {}

  public static Row measure(int features, int batchSize, int trainers) throws Exception {
    TrainerConfig config =
        OnlineTrainer.builder().features(features).batchSize(batchSize).build().config();
    float[] x = new float[features];
    long fresh = heapPerTrainer(config, trainers, 0, x);
    long full = heapPerTrainer(config, trainers, batchSize, x);
    TypeSerializer<TrainerState> serializer =
        TypeInformation.of(TrainerState.class).createSerializer(new SerializerConfigImpl());
    ModelTrainer t = new ModelTrainer(config, "model-123456");
    long estimateFresh = t.heapBytes();
    int empty = serializedSize(serializer, t.toState());
    for (int i = 0; i < batchSize / 2; i++) {
      t.add(x, 1f, 1f);
    }
    int half = serializedSize(serializer, t.toState());
    for (int i = batchSize / 2; i < batchSize - 1; i++) {
      t.add(x, 1f, 1f); // the buffers at their full size, one sample short of a step
    }
    long estimateFull = t.heapBytes();
    return new Row(features, batchSize, fresh, full, estimateFresh, estimateFull, empty, half);
  }

  /** Heap per trainer over {@code n} live trainers (each fed {@code samples} samples). */
  private static long heapPerTrainer(TrainerConfig config, int n, int samples, float[] x)
      throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ModelTrainer[] keep = new ModelTrainer[n];
    long before = usedAfterGc(memory);
    for (int i = 0; i < n; i++) {
      keep[i] = new ModelTrainer(config, "model-" + i);
      for (int s = 0; s < samples; s++) {
        if (keep[i].add(x, 1f, 1f)) {
          keep[i].step();
        }
      }
    }
    long after = usedAfterGc(memory);
    long per = (after - before) / n;
    if (keep[n - 1] == null) {
      throw new AssertionError(); // keeps them reachable until measured
    }
    return per;
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static int serializedSize(TypeSerializer<TrainerState> serializer, TrainerState s)
      throws java.io.IOException {
    DataOutputSerializer out = new DataOutputSerializer(1024);
    serializer.serialize(s, out);
    return out.length();
  }
}
