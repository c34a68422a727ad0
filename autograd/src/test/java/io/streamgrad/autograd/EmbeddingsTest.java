package io.streamgrad.autograd;

import static io.streamgrad.autograd.SparseFixtures.batch;
import static io.streamgrad.autograd.SparseFixtures.coefficients;
import static io.streamgrad.autograd.SparseFixtures.initial;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sparse lookups against torch 2.13 ({@code F.embedding_bag(..., mode="sum",
 * per_sample_weights=..., include_last_offset=True, sparse=True)}) on a 6 x 3 weight, and against
 * gradcheck.
 */
class EmbeddingsTest {

  @Test
  void bagMatchesPyTorchForwardAndSparseBackward() {
    Tensor w = initial().requiresGrad(true);
    Tensor out = Embeddings.bag(w, batch(1), true);
    assertEquals("EmbeddingBagBackward0", out.gradFn().name());
    assertArrayEquals(
        new float[] {
          -0.13268886506557465f, -0.5379872918128967f, -0.4486626982688904f,
          -0.3353580832481384f, 0.26260438561439514f, 0.6191295981407166f
        },
        out.toArray(),
        1e-6f);
    out.mul(coefficients(1)).sum().backward();
    assertNull(w.grad(), "a sparse gradient is not a dense one");
    SparseGrad g = w.sparseGrad();
    assertEquals(4, g.size(), "one entry per lookup, uncoalesced like PyTorch's");
    assertEquals(3, g.coalesce().size(), "rows 1, 3, 4: row 1's two entries summed");
    assertArrayEquals(
        new float[] {
          0.0f, 0.0f, 0.0f, 1.3507556915283203f, -1.0403671264648438f, -2.4749813079833984f,
          0.0f, 0.0f, 0.0f, -0.8104534149169922f, 0.6242202520370483f, 1.4849886894226074f,
          -0.5201835632324219f, -1.2374906539916992f, -0.8170545101165771f, 0.0f, 0.0f, 0.0f
        },
        g.toDense().toArray(),
        1e-6f);
  }

  @Test
  void denseBackwardEqualsSparseOneAndGradsAccumulateUntilCleared() {
    Tensor dense = initial().requiresGrad(true);
    Embeddings.bag(dense, batch(3), false).mul(coefficients(3)).sum().backward();
    Tensor sparse = initial().requiresGrad(true);
    Embeddings.bag(sparse, batch(3), true).mul(coefficients(3)).sum().backward();
    assertArrayEquals(dense.grad().toArray(), sparse.sparseGrad().toDense().toArray(), 0f);

    Embeddings.bag(sparse, batch(3), true).mul(coefficients(3)).sum().backward();
    float[] twice = dense.grad().mul(2f).toArray();
    assertArrayEquals(twice, sparse.sparseGrad().toDense().toArray(), 1e-6f);
    sparse.sparseGrad().clear();
    assertEquals(0, sparse.sparseGrad().size());
    assertTrue(sparse.sparseGrad().isCoalesced());
  }

  @Test
  void gatherThenSegmentSumIsTheBag() {
    SparseBatch b = batch(5);
    Tensor w1 = initial().requiresGrad(true);
    Tensor bag = Embeddings.bag(w1, b, true);
    Tensor w2 = initial().requiresGrad(true);
    Tensor vals = Tensor.wrap(java.util.Arrays.copyOf(b.values(), b.nnz()), b.nnz(), 1);
    Tensor gathered = Embeddings.gather(w2, b.indices(), b.nnz(), true);
    Tensor composed = Embeddings.segmentSum(gathered.mul(vals), b.offsets(), b.rows());
    assertEquals("SegmentReduceBackward0", composed.gradFn().name());
    assertArrayEquals(bag.toArray(), composed.toArray(), 1e-6f);
    bag.mul(coefficients(5)).sum().backward();
    composed.mul(coefficients(5)).sum().backward();
    assertArrayEquals(
        w1.sparseGrad().toDense().toArray(), w2.sparseGrad().toDense().toArray(), 1e-6f);
  }

  @Test
  void gradcheckSparseAndDense() {
    SparseBatch b = batch(1);
    for (boolean sparse : new boolean[] {true, false}) {
      Tensor w = Tensor.randn(new SplittableRandom(7), 6, 3).requiresGrad(true);
      assertTrue(GradCheck.check(in -> Embeddings.bag(in[0], b, sparse).tanh(), w));
      assertTrue(
          GradCheck.check(
              in -> {
                Tensor e = Embeddings.gather(in[0], b.indices(), b.nnz(), sparse);
                Tensor s = Embeddings.segmentSum(e.mul(e), b.offsets(), b.rows());
                return s;
              },
              w));
    }
  }

  @Test
  void denseAndSparseGradientsOnOneLeafAddUpDense() {
    Tensor w = initial().requiresGrad(true);
    Tensor loss = Embeddings.bag(w, batch(1), true).sum().add(w.mul(w).sum());
    loss.backward();
    Tensor ref = initial().requiresGrad(true);
    Embeddings.bag(ref, batch(1), false).sum().add(ref.mul(ref).sum()).backward();
    assertArrayEquals(ref.grad().toArray(), w.grad().toArray(), 1e-6f);
    assertEquals(0, w.sparseGrad().size(), "folded into the dense gradient");
  }

  @Test
  void indicesOutsideTheWeightAreRefusedInPyTorchsWords() {
    Tensor w = initial();
    SparseBatch b = new SparseBatch();
    b.add(1, 1f);
    b.add(7, 1f);
    b.endRow();
    var e = assertThrows(IndexOutOfBoundsException.class, () -> Embeddings.bag(w, b, true));
    assertEquals(
        "Index 1 of input takes value 7 which is not in the valid range [0, 6)", e.getMessage());
    var g =
        assertThrows(
            IndexOutOfBoundsException.class, () -> Embeddings.gather(w, new int[] {-1}, 1, true));
    assertEquals("index out of range in self", g.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Embeddings.bag(Tensor.zeros(6), b, true));
  }

  @Test
  void aBatchRefilledBeforeBackwardIsCaught() {
    Tensor w = initial().requiresGrad(true);
    SparseBatch b = batch(1);
    Tensor out = Embeddings.bag(w, b, true).sum();
    b.clear().addRow(new int[] {0}, new float[] {1f}, 0, 1);
    var e = assertThrows(IllegalStateException.class, out::backward);
    assertTrue(e.getMessage().startsWith("one of the variables needed for gradient computation"));
  }

  @Test
  void sparseGradHoldsManyRowsAcrossRehashesAndClears() {
    int rows = 1 << 16;
    Tensor w = Tensor.zeros(rows, 1).requiresGrad(true);
    SparseBatch b = new SparseBatch();
    for (int i = 0; i < 5_000; i++) {
      b.add((i * 7919) % rows, 1f);
      b.add((i * 7919) % rows, 0.5f); // the same row twice: summed
      b.endRow();
    }
    Embeddings.bag(w, b, true).sum().backward();
    SparseGrad g = w.sparseGrad();
    assertEquals(10_000, g.size());
    float[] dense = g.toDense().toArray();
    assertEquals(5_000, g.coalesce().size());
    assertTrue(g.isCoalesced());
    for (int k = 0; k < g.size(); k++) {
      assertEquals(1.5f, g.values()[k]);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(dense, g.toDense().toArray(), 0f);
    g.clear();
    Embeddings.bag(w, b, true).sum().backward();
    assertEquals(5_000, g.coalesce().size());
    assertEquals(1.5f, g.values()[4_999]);
  }
}
