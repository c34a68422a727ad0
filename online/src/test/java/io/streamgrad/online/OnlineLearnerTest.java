package io.streamgrad.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.nn.quality.QualityGate;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The plain Java host of the trainer: what it refuses, publishes and holds back. */
class OnlineLearnerTest {

  @Test
  void badSamplesAreRefusedWithTheirReason() {
    OnlineLearner l = OnlineLearner.builder(TrainerConfig.builder().features(2).build()).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> l.learn("m", new float[3], 1f));
    assertEquals("wrong feature count: expected 2, got 3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> l.learn("m", new float[2], Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> l.learn("m", new float[2], 1f, -1f));
    assertNull(l.trainer("m"), "nothing was learned");
  }

  @Test
  void aDivergingBatchIsCountedAndTheModelKeepsItsLastGoodState() {
    List<WeightSnapshot> out = new ArrayList<>();
    OnlineLearner l =
        OnlineLearner.builder(
                TrainerConfig.builder()
                    .features(1)
                    .batchSize(2)
                    .optimizer(Optimizers.sgd(1e30))
                    .build())
            .publishTo(out::add)
            .build();
    l.learn("m", new float[] {1e10f}, 1e10f);
    l.learn("m", new float[] {1e10f}, -1e10f);
    assertEquals(2, l.rejectedSamples());
    assertEquals(0, l.trainer("m").version());
    l.flush();
    assertTrue(out.isEmpty(), "no version to publish");
  }

  @Test
  void aGatedModelIsNotPublished() {
    List<WeightSnapshot> out = new ArrayList<>();
    TrainerConfig config =
        TrainerConfig.builder()
            .features(1)
            .model(Models.logistic())
            .batchSize(4)
            .quality(QualitySpec.DEFAULT.publishIf(QualityGate.parse("auc>=0.99")))
            .build();
    OnlineLearner l = OnlineLearner.builder(config).publishTo(out::add).build();
    SplittableRandom rng = new SplittableRandom(1);
    for (int i = 0; i < 64; i++) {
      l.learn("m", new float[] {(float) rng.nextGaussian()}, rng.nextBoolean() ? 1f : 0f);
    }
    l.flush();
    assertTrue(out.isEmpty(), "random labels never reach an AUC of 0.99");
    assertEquals(16, l.trainer("m").progress().gatedSnapshots());
  }

  @Test
  void aSparseModelPublishesSnapshotsAReaderRebuilds() {
    List<WeightSnapshot> out = new ArrayList<>();
    TrainerConfig config =
        TrainerConfig.builder()
            .features(0)
            .model(SparseModels.logistic(10))
            .optimizer(Optimizers.ftrl(0.1))
            .batchSize(8)
            .build();
    OnlineLearner l = OnlineLearner.builder(config).publishTo(out::add).build();
    SplittableRandom rng = new SplittableRandom(2);
    for (int i = 0; i < 200; i++) {
      int token = rng.nextInt(1 << 10);
      l.learnSparse("ads", new float[0], new int[] {token}, new float[] {1f}, token % 2, 1f);
    }
    l.flush();
    SparseModelAssembler reader = new SparseModelAssembler();
    out.forEach(reader::accept);
    assertEquals(l.trainer("ads").version(), reader.head().getVersion());
    float[] learned = new float[1];
    float[] read = new float[1];
    for (int token = 0; token < 1 << 10; token += 97) {
      l.predictor("ads").predict(new float[0], sparseRow(token), 1, learned);
      Predictor.of(reader.spec(), reader.model()).predict(new float[0], sparseRow(token), 1, read);
      assertEquals(learned[0], read[0], 0f, "the reader's model is the learner's, token " + token);
    }
  }

  private static io.streamgrad.autograd.SparseBatch sparseRow(int token) {
    io.streamgrad.autograd.SparseBatch b = new io.streamgrad.autograd.SparseBatch();
    b.addRow(new int[] {token}, new float[] {1f}, 0, 1);
    return b;
  }
}
