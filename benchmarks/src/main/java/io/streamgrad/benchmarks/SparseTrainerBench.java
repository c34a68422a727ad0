package io.streamgrad.benchmarks;

import io.streamgrad.nn.CtrSimulation;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.SparseRows;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.FeatureHashing;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The sparse end-to-end bench's trainer without Flink or Kafka around it: a {@link ModelTrainer}
 * (FTRL sparse logistic, batch 64, a snapshot's rows taken every 10 steps, as {@code bench
 * --sparse}'s job) on fresh click impressions, nanoseconds per sample by round. The part of that
 * bench's train job that is this project's own code, measured steadily enough to profile (a
 * profile, not a target): {@code java -XX:+UseTransparentHugePages --add-modules
 * jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * io.streamgrad.benchmarks.SparseTrainerBench [bits [samples [rounds]]]}.
 */
public final class SparseTrainerBench {

  private SparseTrainerBench() {}

  public static void main(String[] args) {
    int bits = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    CtrSimulation sim = CtrSimulation.standard(7);
    int[] hashed = new int[sim.distinct()];
    for (int id = 0; id < hashed.length; id++) {
      hashed[id] = FeatureHashing.index(CtrSimulation.token(id), bits);
    }
    // The impressions first (the job's source decodes them on another thread).
    SplittableRandom rng = new SplittableRandom(3);
    int active = sim.active();
    int[][] indices = new int[samples][active];
    float[][] dense = new float[samples][2];
    float[] labels = new float[samples];
    int[] ids = new int[active];
    for (int s = 0; s < samples; s++) {
      double logit = sim.draw(rng, ids);
      for (int k = 0; k < active; k++) {
        indices[s][k] = hashed[ids[k]];
      }
      labels[s] = CtrSimulation.click(rng, logit);
      dense[s][0] = (float) rng.nextDouble();
      dense[s][1] = (float) rng.nextDouble();
    }
    float[] ones = new float[active];
    Arrays.fill(ones, 1f);
    double[] nsPerSample = new double[rounds];
    long[] published = new long[2]; // rows in deltas, in full updates
    for (int round = 0; round < rounds; round++) {
      ModelTrainer trainer =
          new ModelTrainer(
              TrainerConfig.builder()
                  .features(2)
                  .batchSize(64)
                  .model(SparseModels.logistic(bits))
                  .optimizer(Optimizers.ftrl(0.1))
                  .snapshotEvery(10)
                  .build(),
              "bench");
      long start = System.nanoTime();
      int steps = 0;
      for (int s = 0; s < samples; s++) {
        if (trainer.add(dense[s], indices[s], ones, labels[s], 1f)) {
          trainer.step();
          if (++steps % 10 == 0) {
            SparseRows rows = trainer.takeSparseRows();
            published[rows.full() ? 1 : 0] += rows.rows()[0].length;
          }
        }
      }
      nsPerSample[round] = (System.nanoTime() - start) / (double) samples;
      System.out.printf("round %d: %.0f ns/sample%n", round + 1, nsPerSample[round]);
    }
    double[] measured = Arrays.copyOfRange(nsPerSample, Math.min(1, rounds - 1), rounds);
    Arrays.sort(measured);
    System.out.printf(
        "2^%d, %,d samples: median %.0f ns/sample after the first round (rows published: %,d in"
            + " deltas, %,d in full updates)%n",
        bits, samples, measured[measured.length / 2], published[0], published[1]);
  }
}
