package io.streamgrad.online.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plain Java example trains both models to their true weights and publishes as it goes. */
class TrainFromSamplesTest {

  @Test
  void twoModelsLearnTheirWeightsFromAListAndPublishSnapshots() {
    float[][] truth = {{2f, -3.4f}, {-1f, 0.5f}};
    List<TrainFromSamples.Sample> samples = TrainFromSamples.tutorialData(truth, 2_000, 42);
    List<WeightSnapshot> snapshots = TrainFromSamples.train(samples, 2);

    Map<String, WeightSnapshot> last = new HashMap<>();
    for (WeightSnapshot s : snapshots) {
      WeightSnapshot before = last.put(s.getModelId(), s);
      assertTrue(before == null || before.getVersion() < s.getVersion(), "versions only increase");
    }
    assertEquals(2, last.size());
    for (int m = 0; m < 2; m++) {
      WeightSnapshot s = last.get("model-" + m);
      assertEquals(2_000, s.getSamplesSeen(), "every sample trained on, the partial batch too");
      assertEquals(125, s.getVersion(), "2,000 samples in batches of 16");
      assertArrayEquals(truth[m], FloatLists.unboxed(s.getWeights()), 0.05f, "model-" + m);
      // The snapshot is the model: it predicts as the trainer's weights say.
      float[] x = {1f, 1f};
      float expected = s.getBias();
      for (int j = 0; j < 2; j++) {
        expected += x[j] * s.getWeights().get(j);
      }
      assertEquals(expected, SnapshotModels.predictor(s).predict(x), 1e-5f);
    }
    // A snapshot every 10 updates, and the final one: 12 + 1 per model.
    assertEquals(26, snapshots.size());
  }
}
