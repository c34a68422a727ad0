package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** End to end on a Flink MiniCluster, parallelism 2, generic types disabled (no Kryo). */
class OnlineTrainerMiniClusterTest {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static StreamExecutionEnvironment env() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    env.configure(conf, OnlineTrainerMiniClusterTest.class.getClassLoader());
    env.setParallelism(2);
    return env;
  }

  static List<WeightSnapshot> run(OnlineTrainer trainer, List<Sample> samples) throws Exception {
    StreamExecutionEnvironment env = env();
    DataStream<Sample> source = env.fromData(samples, OnlineTrainer.sampleType());
    List<WeightSnapshot> out = new ArrayList<>();
    try (CloseableIterator<WeightSnapshot> it = trainer.train(source).executeAndCollect()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void tutorialRegressionConvergesPerModel() throws Exception {
    int features = 16;
    int perModel = 6000;
    TutorialData data = new TutorialData(features, 3, perModel, 2024);
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(features)
            .model(Models.linear())
            .loss(Losses::mse)
            .optimizer(Optimizers.sgd(0.02))
            .batchSize(32)
            .snapshotEvery(10)
            .build();
    Map<String, WeightSnapshot> last =
        OnlineTrainerHarnessTest.lastPerModel(run(trainer, data.samples));
    assertEquals(3, last.size());
    for (int m = 0; m < 3; m++) {
      WeightSnapshot s = last.get(data.modelIds[m]);
      assertEquals(perModel, s.getSamplesSeen(), "samplesSeen exact");
      assertEquals(
          (perModel + 31) / 32, s.getVersion(), "one update per batch of 32, plus the final flush");
      for (int j = 0; j < features; j++) {
        assertEquals(
            data.trueWeights[m][j], s.getWeights().get(j), 0.05, "model " + m + " weight " + j);
      }
      assertTrue(
          s.getPrequentialLoss() > s.getBatchLoss(),
          "progressive loss includes the early, worse batches");
    }
  }

  @Test
  void logisticRegressionSeparatesASeparableTask() throws Exception {
    int d = 4;
    float[] w = {1.5f, -2f, 0.5f, 1f};
    SplittableRandom rng = new SplittableRandom(77);
    List<Sample> samples = new ArrayList<>();
    List<float[]> xs = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      float[] x = new float[d];
      float dot = 0;
      for (int j = 0; j < d; j++) {
        x[j] = rng.nextFloat() * 2 - 1;
        dot += x[j] * w[j];
      }
      xs.add(x);
      samples.add(TutorialData.sample("clf", x, dot > 0 ? 1f : 0f));
    }
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(d)
            .model(Models.logistic())
            .optimizer(Optimizers.sgd(0.5))
            .batchSize(16)
            .build();
    WeightSnapshot s = OnlineTrainerHarnessTest.lastPerModel(run(trainer, samples)).get("clf");
    int correct = 0;
    for (int i = 0; i < xs.size(); i++) {
      float logit = s.getBias();
      for (int j = 0; j < d; j++) {
        logit += xs.get(i)[j] * s.getWeights().get(j);
      }
      if ((logit > 0) == (samples.get(i).getLabel() == 1f)) {
        correct++;
      }
    }
    assertTrue(correct > 0.97 * xs.size(), "accuracy " + correct + "/" + xs.size());
  }

  @Test
  void mlpLearnsWhatALinearModelCannot() throws Exception {
    SplittableRandom rng = new SplittableRandom(5);
    List<Sample> linearData = new ArrayList<>();
    List<Sample> mlpData = new ArrayList<>();
    for (int i = 0; i < 12000; i++) {
      float a = rng.nextFloat() * 4 - 2;
      float b = rng.nextFloat() * 4 - 2;
      float y = (float) Math.sin(2 * a) + 0.5f * b * b - 0.5f;
      linearData.add(TutorialData.sample("linear", new float[] {a, b}, y));
      mlpData.add(TutorialData.sample("mlp", new float[] {a, b}, y));
    }
    OnlineTrainer linear =
        OnlineTrainer.builder()
            .features(2)
            .model(Models.linear())
            .optimizer(Optimizers.adam(0.01))
            .batchSize(16)
            .build();
    OnlineTrainer mlp =
        OnlineTrainer.builder()
            .features(2)
            .model(Models.mlp(32))
            .optimizer(Optimizers.adam(0.01))
            .batchSize(16)
            .seed(1)
            .build();
    WeightSnapshot lin =
        OnlineTrainerHarnessTest.lastPerModel(run(linear, linearData)).get("linear");
    WeightSnapshot net = OnlineTrainerHarnessTest.lastPerModel(run(mlp, mlpData)).get("mlp");
    assertEquals(4, net.getParameters().size(), "layer0.weight, layer0.bias, out.weight, out.bias");
    assertEquals(List.of(2, 32), net.getParameters().get(0).getShape());
    // Compare the losses over the last ~quarter of the stream (reported per batch, before each
    // update).
    assertTrue(
        lin.getBatchLoss() > 0.3f,
        "a linear model cannot fit sin(2a) + b^2/2: " + lin.getBatchLoss());
    assertTrue(net.getBatchLoss() < 0.1f, "the MLP fits it: " + net.getBatchLoss());
  }

  /**
   * A user's own differentiable model: quadratic features, written with the engine in a few lines.
   */
  static final class QuadraticModel implements ModelFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
      return "quadratic";
    }

    @Override
    public Model create(int features, RandomGenerator init) {
      Tensor w = Tensor.zeros(features).requiresGrad(true);
      Tensor v = Tensor.zeros(features).requiresGrad(true);
      Tensor b = Tensor.zeros().requiresGrad(true);
      return new Model() {
        @Override
        public List<String> parameterNames() {
          return List.of("linear", "quadratic", "bias");
        }

        @Override
        public List<Tensor> parameters() {
          return List.of(w, v, b);
        }

        @Override
        public Tensor forward(Tensor x) {
          return x.matmul(w).add(x.mul(x).matmul(v)).add(b);
        }
      };
    }
  }

  @Test
  void aUserDefinedModelTrainsLikeTheBuiltIns() throws Exception {
    SplittableRandom rng = new SplittableRandom(11);
    float[] lin = {0.7f, -1.2f, 0.3f};
    float[] quad = {0.5f, 0f, -0.25f};
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < 8000; i++) {
      float[] x = new float[3];
      float y = 1f;
      for (int j = 0; j < 3; j++) {
        x[j] = rng.nextFloat() * 2 - 1;
        y += lin[j] * x[j] + quad[j] * x[j] * x[j];
      }
      samples.add(TutorialData.sample("custom", x, y));
    }
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(3)
            .model(new QuadraticModel())
            .optimizer(Optimizers.adam(0.02))
            .batchSize(16)
            .build();
    WeightSnapshot s = OnlineTrainerHarnessTest.lastPerModel(run(trainer, samples)).get("custom");
    for (int j = 0; j < 3; j++) {
      assertEquals(lin[j], s.getParameters().get(0).getValues().get(j), 0.05, "linear " + j);
      assertEquals(quad[j], s.getParameters().get(1).getValues().get(j), 0.05, "quadratic " + j);
    }
    assertEquals(1f, s.getParameters().get(2).getValues().get(0), 0.05, "bias");
  }
}
