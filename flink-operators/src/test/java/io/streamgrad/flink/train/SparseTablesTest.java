package io.streamgrad.flink.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.nn.sparse.SparseModels;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What a checkpoint of a sparse model writes: the chunks its steps touched, not the model. */
class SparseTablesTest {

  static ModelTrainer trainer(int bits) {
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(0)
            .model(SparseModels.logistic(bits))
            .optimizer(Optimizers.ftrl(0.1))
            .batchSize(64)
            .build();
    return new ModelTrainer(t.config(), "m");
  }

  /** One step of 64 impressions of 30 uniformly hashed coordinates; returns the chunks touched. */
  static Set<Integer> step(ModelTrainer t, SplittableRandom r, int bits) {
    Set<Integer> chunks = new HashSet<>();
    int[] idx = new int[30];
    float[] val = new float[30];
    java.util.Arrays.fill(val, 1f);
    for (int i = 0; i < 64; i++) {
      for (int k = 0; k < 30; k++) {
        idx[k] = r.nextInt(1 << bits);
        chunks.add(idx[k] / SparseTables.CHUNK_ROWS);
      }
      t.add(new float[0], idx, val, r.nextBoolean() ? 1f : 0f, 1f);
    }
    assertEquals(ModelTrainer.StepResult.TRAINED, t.step());
    return chunks;
  }

  @Test
  void aCheckpointWritesTheChunksTheStepsTouched() {
    int bits = 20;
    ModelTrainer t = trainer(bits);
    SplittableRandom r = new SplittableRandom(1);
    Set<Integer> touched = step(t, r, bits);
    int[] dirty = t.takeDirtyChunks();
    assertEquals(touched.size(), dirty.length, "exactly the touched chunks");
    assertTrue(dirty.length < t.chunkCount() / 30, dirty.length + " of " + t.chunkCount());
    assertEquals(0, t.takeDirtyChunks().length, "forgotten once written");

    // A second trainer restored from the state and the written chunks continues identically.
    for (int s = 0; s < 20; s++) {
      step(t, r, bits);
    }
    ModelTrainer copy = trainer(bits);
    copy.restore(t.toState(), "m");
    for (int id = 0; id < t.chunkCount(); id++) {
      copy.loadChunk(id, t.chunk(id));
    }
    SplittableRandom r1 = new SplittableRandom(9);
    SplittableRandom r2 = new SplittableRandom(9);
    for (int s = 0; s < 5; s++) {
      step(t, r1, bits);
      step(copy, r2, bits);
    }
    for (int id = 0; id < t.chunkCount(); id += 97) {
      assertArrayEquals(t.chunk(id), copy.chunk(id), 0f, "chunk " + id);
    }
  }

  @Test
  void theDivergenceGuardPutsTheTouchedRowsBack() {
    for (OptimizerSpec spec : new OptimizerSpec[] {Optimizers.adagrad(0.5), Optimizers.sgd(0.05)}) {
      // A finite loss and gradient whose update overflows (learning rate 1e30).
      divergenceRolledBack(spec, 1e30f, new float[] {1f, 1f, 1f, 1f}, 1e10f);
    }
    // FTRL keeps its own undo of the rows it updates (no copy by the tables): a gradient whose
    // square overflows its accumulator n, with a loss that stays finite.
    divergenceRolledBack(Optimizers.ftrl(0.1), 0f, new float[] {1e3f, 1e3f, 1e3f, 1e3f}, 1e18f);
  }

  private void divergenceRolledBack(OptimizerSpec spec, float lr, float[] val, float label) {
    OnlineTrainer config =
        OnlineTrainer.builder()
            .features(0)
            .model(SparseModels.linear(12))
            .optimizer(spec)
            .batchSize(64)
            .build();
    ModelTrainer t = new ModelTrainer(config.config(), "m");
    SplittableRandom r = new SplittableRandom(2);
    for (int s = 0; s < 10; s++) {
      step(t, r, 12); // labels 0/1: a sane model with non-zero accumulators
    }
    float[][] before = new float[t.chunkCount()][];
    for (int id = 0; id < before.length; id++) {
      before[id] = t.chunk(id);
    }
    long version = t.version();
    int[] idx = {1, 2, 3, 2000};
    // Caught after the step, and undone.
    if (lr > 0) {
      t.optimizer().setLearningRate(lr);
    }
    t.add(new float[0], idx, val, label, 1f);
    assertEquals(ModelTrainer.StepResult.REJECTED_NON_FINITE, t.step(), spec.toString());
    assertEquals(version, t.version());
    for (int id = 0; id < before.length; id++) {
      assertArrayEquals(before[id], t.chunk(id), 0f, "chunk " + id + ": bit for bit");
    }
  }
}
