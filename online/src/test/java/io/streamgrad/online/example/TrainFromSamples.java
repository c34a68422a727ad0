package io.streamgrad.online.example;

import io.streamgrad.nn.Models;
import io.streamgrad.online.OnlineLearner;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A plain Java program that trains online, no Flink and no Kafka: two linear models learn from a
 * list of samples (the PyTorch tutorial's regression, {@code y = X w* + noise}) and publish their
 * snapshots into a list. Run it with {@code --add-modules jdk.incubator.vector} for the Vector API
 * kernels. Documented in docs/concepts/training-core.md.
 */
public final class TrainFromSamples {

  /** One labelled sample of one model. */
  public record Sample(String modelId, float[] x, float y) {}

  /** The tutorial's data: {@code X = (rand - 0.5) * 5}, {@code y = X w* + randn / 2}. */
  public static List<Sample> tutorialData(float[][] trueWeights, int perModel, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < perModel; i++) {
      for (int m = 0; m < trueWeights.length; m++) {
        float[] x = new float[trueWeights[m].length];
        double y = 0;
        for (int j = 0; j < x.length; j++) {
          x[j] = (rng.nextFloat() - 0.5f) * 5f;
          y += x[j] * trueWeights[m][j];
        }
        samples.add(new Sample("model-" + m, x, (float) (y + rng.nextGaussian() / 2)));
      }
    }
    return samples;
  }

  /** Trains on {@code samples}; returns every snapshot published, in order. */
  public static List<WeightSnapshot> train(List<Sample> samples, int features) {
    List<WeightSnapshot> published = new ArrayList<>();
    OnlineLearner learner =
        OnlineLearner.builder(
                TrainerConfig.builder()
                    .features(features)
                    .model(Models.linear())
                    .optimizer(Optimizers.sgd(0.01))
                    .batchSize(16)
                    .snapshotEvery(10)
                    .build())
            .publishTo(published::add)
            .build();
    for (Sample s : samples) {
      learner.learn(s.modelId(), s.x(), s.y());
    }
    learner.flush(); // the last partial batches, and every model's newest version
    return published;
  }

  public static void main(String[] args) {
    float[][] truth = {{2f, -3.4f}, {-1f, 0.5f}};
    List<WeightSnapshot> snapshots = train(tutorialData(truth, 2_000, 42), 2);
    for (WeightSnapshot s : snapshots.subList(snapshots.size() - 2, snapshots.size())) {
      System.out.printf(
          "%s version %d after %d samples: weights %s, prequential loss %.4f%n",
          s.getModelId(),
          s.getVersion(),
          s.getSamplesSeen(),
          s.getWeights(),
          s.getPrequentialLoss());
    }
  }
}
