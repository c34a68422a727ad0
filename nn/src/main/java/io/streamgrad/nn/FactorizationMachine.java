package io.streamgrad.nn;

import io.streamgrad.autograd.Embeddings;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A factorization machine (Rendle 2010) over a hashed sparse part: {@code b + x w + sum_i w_i v_i +
 * sum_{i<j} <f_i, f_j> v_i v_j}, the pairwise term computed in O(non-zeros x k) as {@code 1/2 sum_f
 * ((sum_i f_if v_i)^2 - sum_i f_if^2 v_i^2)}, written as engine code: a {@link Embeddings#gather}
 * of the factors with a sparse gradient and two {@link Embeddings#segmentSum}s. Factors start from
 * N(0, 0.01^2) (zeros would never move), everything else from zeros. Parameters: {@code weight}
 * (when dense > 0), {@code sparse.weight [2^bits, 1]}, {@code factors [2^bits, k]}, {@code bias}.
 */
public final class FactorizationMachine implements Model {
  private final SparseLinear linear;
  private final Tensor factors;
  private final List<String> names = new ArrayList<>();
  private final List<Tensor> params = new ArrayList<>();

  public FactorizationMachine(int denseFeatures, int bits, int k, RandomGenerator init) {
    if (k <= 0) {
      throw new IllegalArgumentException("a factorization machine needs k > 0 factors, got " + k);
    }
    this.linear = new SparseLinear(denseFeatures, bits);
    this.factors = Tensor.randn(init, 1 << bits, k).mul(0.01f).detach().requiresGrad(true);
    names.addAll(linear.parameterNames());
    params.addAll(linear.parameters());
    int at = names.indexOf("bias");
    names.add(at, "factors");
    params.add(at, factors);
  }

  @Override
  public List<String> parameterNames() {
    return names;
  }

  @Override
  public List<Tensor> parameters() {
    return params;
  }

  @Override
  public Tensor forward(Tensor x) {
    return linear.forward(x, null);
  }

  @Override
  public Tensor forward(Tensor x, SparseBatch sparse) {
    Tensor out = linear.forward(x, sparse);
    if (sparse == null || sparse.nnz() == 0) {
      return out;
    }
    int nnz = sparse.nnz();
    Tensor values = Tensor.wrap(Arrays.copyOf(sparse.values(), nnz), nnz, 1);
    Tensor scaled = Embeddings.gather(factors, sparse.indices(), nnz, true).mul(values);
    Tensor sum = Embeddings.segmentSum(scaled, sparse.offsets(), sparse.rows());
    Tensor sumOfSquares =
        Embeddings.segmentSum(scaled.mul(scaled), sparse.offsets(), sparse.rows());
    Tensor pairs = sum.mul(sum).sub(sumOfSquares).sum(1, false).mul(0.5f);
    return out.add(pairs);
  }

  @Override
  public List<Tensor> sparseTables() {
    return List.of(linear.sparseWeight(), factors);
  }

  /** The factors {@code [2^bits, k]}. */
  public Tensor factors() {
    return factors;
  }
}
