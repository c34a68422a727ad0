package io.streamgrad.nn;

import io.streamgrad.autograd.Embeddings;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code x w + sum of v_k * sparse.weight[i_k] + b}: a linear model (or logistic, on logits) over a
 * dense part of {@code dense} features and a hashed sparse part of {@code 2^bits} coordinates. The
 * sparse part is an {@link Embeddings#bag} of width 1 with a sparse gradient, so a step costs
 * O(non-zeros). Starts from zeros. Parameters: {@code weight [dense]} (when dense > 0), {@code
 * sparse.weight [2^bits, 1]}, {@code bias []}.
 */
public final class SparseLinear implements Model {
  private final Tensor dense;
  private final Tensor table;
  private final Tensor bias;
  private final List<String> names = new ArrayList<>();
  private final List<Tensor> params = new ArrayList<>();

  public SparseLinear(int denseFeatures, int bits) {
    this.dense = denseFeatures > 0 ? Tensor.zeros(denseFeatures).requiresGrad(true) : null;
    this.table = Tensor.zeros(1 << bits, 1).requiresGrad(true);
    this.bias = Tensor.zeros().requiresGrad(true);
    if (dense != null) {
      names.add("weight");
      params.add(dense);
    }
    names.add("sparse.weight");
    params.add(table);
    names.add("bias");
    params.add(bias);
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
    return forward(x, null);
  }

  @Override
  public Tensor forward(Tensor x, SparseBatch sparse) {
    int rows = sparse != null ? sparse.rows() : x.size(0);
    Tensor out = null;
    if (dense != null) {
      out = x.matmul(dense);
    }
    if (sparse != null) {
      Tensor s = Embeddings.bag(table, sparse, true).reshape(rows);
      out = out == null ? s : out.add(s);
    }
    if (out == null) {
      throw new IllegalArgumentException("a model without dense features needs a sparse part");
    }
    return out.add(bias);
  }

  @Override
  public List<Tensor> sparseTables() {
    return List.of(table);
  }

  /** The sparse weights' table {@code [2^bits, 1]}. */
  public Tensor sparseWeight() {
    return table;
  }
}
