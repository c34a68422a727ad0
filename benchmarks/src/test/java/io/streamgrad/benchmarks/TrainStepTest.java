package io.streamgrad.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.kernels.KernelProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The two forms of the benchmarked step compute the same update, and it learns. */
class TrainStepTest {

  @ParameterizedTest
  @CsvSource({"1,8", "32,16", "64,16", "256,128", "100,37"})
  void autogradAndHandFusedAgree(int batch, int features) {
    TrainStep step = new TrainStep(batch, features, 7L, KernelProvider.get());
    float first = 0;
    float last = 0;
    for (int i = 0; i < 50; i++) {
      float la = step.autograd();
      float lf = step.handFused();
      assertEquals(la, lf, 1e-3f * Math.max(1f, Math.abs(la)), "loss at step " + i);
      if (i == 0) {
        first = la;
      }
      last = la;
    }
    assertArrayEquals(step.w.toArray(), step.wFused, 1e-3f);
    assertEquals(step.b.item(), step.bFused[0], 1e-3f);
    assertTrue(batch == 1 || last < first, "the loss goes down: " + first + " -> " + last);
  }
}
