package io.streamgrad.autograd.optim;

import static io.streamgrad.autograd.SparseFixtures.batch;
import static io.streamgrad.autograd.SparseFixtures.coefficients;
import static io.streamgrad.autograd.SparseFixtures.initial;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamgrad.autograd.Embeddings;
import io.streamgrad.autograd.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Optimizers on sparse gradients against torch 2.13: 7 steps of {@code (embedding_bag(w, batch_s) *
 * c_s).sum()} over a 6 x 3 weight (the batches of EmbeddingsTest, which leave some rows untouched
 * at each step), with torch.optim.SGD, Adagrad and SparseAdam.
 */
class SparseOptimizerTest {

  static Stream<Arguments> configurations() {
    return Stream.of(
        Arguments.of(
            "sgd",
            (Function<List<Tensor>, Optimizer>) p -> new Sgd(p, 0.1f),
            new float[] {
              -0.5063836574554443f, 0.1042758971452713f, 0.6190646886825562f,
              -0.021966245025396347f, -0.13033898174762726f, -0.11887866258621216f,
              0.13833323121070862f, 0.6758843064308167f, 0.5920305252075195f,
              0.534602701663971f, -0.1710216999053955f, -0.7194095253944397f,
              -0.11527922749519348f, 0.11441817134618759f, 0.23892004787921906f,
              0.10572951287031174f, -0.48204076290130615f, -0.6266249418258667f
            }),
        Arguments.of(
            "adagrad",
            (Function<List<Tensor>, Optimizer>) p -> new AdaGrad(p, 0.1f, 0.01f, 0f, 0.1f, 1e-8f),
            new float[] {
              -0.16373084485530853f, 0.2527805268764496f, 0.5578891634941101f,
              0.0020832475274801254f, -0.2076624184846878f, -0.34193548560142517f,
              0.012963850982487202f, 0.5174122452735901f, 0.4938528835773468f,
              0.389890193939209f, -0.27108457684516907f, -0.637920081615448f,
              -0.16903774440288544f, 0.19894984364509583f, 0.4302029311656952f,
              0.18988190591335297f, -0.3238704800605774f, -0.4944557845592499f
            }),
        Arguments.of(
            "lazy adam = SparseAdam",
            (Function<List<Tensor>, Optimizer>) p -> Adam.lazy(p, 0.05f, 0.8f, 0.99f, 1e-6f),
            new float[] {
              -0.12345650792121887f, 0.28532740473747253f, 0.5340995788574219f,
              0.0161394402384758f, -0.29720938205718994f, -0.40263983607292175f,
              -0.012975949794054031f, 0.46579626202583313f, 0.5003195405006409f,
              0.28558653593063354f, -0.2893713712692261f, -0.5780996084213257f,
              -0.21164610981941223f, 0.22242233157157898f, 0.4931359887123108f,
              0.2535712718963623f, -0.2178708016872406f, -0.4732884466648102f
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void matchesPyTorch(String name, Function<List<Tensor>, Optimizer> make, float[] expected) {
    Tensor w = initial().requiresGrad(true);
    Optimizer opt = make.apply(List.of(w));
    for (int s = 0; s < 7; s++) {
      opt.zeroGrad();
      Embeddings.bag(w, batch(s), true).mul(coefficients(s)).sum().backward();
      opt.step();
    }
    assertArrayEquals(expected, w.toArray(), 2e-6f, name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void untouchedRowsStayBitForBitAndStateRoundTrips(
      String name, Function<List<Tensor>, Optimizer> make, float[] ignored) {
    Tensor w = initial().requiresGrad(true);
    Optimizer opt = make.apply(List.of(w));
    opt.zeroGrad();
    Embeddings.bag(w, batch(0), true).mul(coefficients(0)).sum().backward();
    opt.step();
    // batch(0) touches rows 0 and 2 only
    float[] before = initial().toArray();
    float[] after = w.toArray();
    for (int r : new int[] {1, 3, 4, 5}) {
      for (int j = 0; j < 3; j++) {
        assertEquals(before[r * 3 + j], after[r * 3 + j], 0f, name + " row " + r);
      }
    }
    // Continue from a copy of the state: bit-identical to continuing in place.
    Tensor w2 = Tensor.of(w.toArray()).reshape(6, 3).copy().detach().requiresGrad(true);
    Optimizer opt2 = make.apply(List.of(w2));
    opt2.loadState(opt.state());
    for (int s = 1; s < 4; s++) {
      for (var pair : List.of(List.of(w, opt), List.of(w2, opt2))) {
        Tensor p = (Tensor) pair.get(0);
        Optimizer o = (Optimizer) pair.get(1);
        o.zeroGrad();
        Embeddings.bag(p, batch(s), true).mul(coefficients(s)).sum().backward();
        o.step();
      }
    }
    assertArrayEquals(w.toArray(), w2.toArray(), 0f, name);
  }

  @Test
  void refusalsInPyTorchsWords() {
    Tensor w = initial().requiresGrad(true);
    Embeddings.bag(w, batch(1), true).sum().backward();
    assertEquals(
        "Adam does not support sparse gradients, please consider SparseAdam instead",
        assertThrows(IllegalStateException.class, () -> new Adam(List.of(w), 0.1f).step())
            .getMessage());
    assertEquals(
        "weight_decay option is not compatible with sparse gradients",
        assertThrows(
                IllegalStateException.class,
                () -> new AdaGrad(List.of(w), 0.1f, 0f, 0.1f, 0f, 1e-10f).step())
            .getMessage());
    assertThrows(
        IllegalStateException.class, () -> new Sgd(List.of(w), 0.1f, 0.9f, 0f, 0f, false).step());
  }

  @Test
  void lazyAdamOnDenseGradientsIsAdam() {
    Tensor a = Tensor.of(0.5f, -1f, 2f).requiresGrad(true);
    Tensor b = Tensor.of(0.5f, -1f, 2f).requiresGrad(true);
    Optimizer adam = new Adam(List.of(a), 0.05f, 0.8f, 0.99f, 1e-6f, 0f);
    Optimizer lazy = Adam.lazy(List.of(b), 0.05f, 0.8f, 0.99f, 1e-6f);
    for (int s = 0; s < 5; s++) {
      a.setGrad(OptimizerTest.gradient(s, 3));
      b.setGrad(OptimizerTest.gradient(s, 3));
      adam.step();
      lazy.step();
    }
    assertArrayEquals(a.toArray(), b.toArray(), 0f);
    assertEquals("lazy_adam", lazy.name());
  }
}
