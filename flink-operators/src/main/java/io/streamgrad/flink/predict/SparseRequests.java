package io.streamgrad.flink.predict;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.FeatureHashing;
import io.streamgrad.schemas.SparseFeatures;

/**
 * A request's sparse part against the model that answers it: checked in the model's space, then one
 * row of a {@link SparseBatch}, tokens hashed with the model's {@code hashBits}. Shared by the
 * predictor and the trainer that serves.
 */
public final class SparseRequests {

  private SparseRequests() {}

  /**
   * Why {@code request}'s sparse part does not fit a model of {@code 2^hashBits} coordinates (0:
   * none), or null when it does (or it has none).
   */
  public static String invalidReason(DenseRequest request, int hashBits) {
    if (!request.isSparse()) {
      return null;
    }
    if (hashBits == 0) {
      return SparseFeatures.WITHOUT_SPARSE_PART;
    }
    return SparseFeatures.invalidReason(request.indices, request.values, hashBits);
  }

  /** Appends {@code request}'s sparse part (checked) as one row of {@code batch}. */
  public static void addRow(SparseBatch batch, DenseRequest request, int hashBits) {
    for (int i = 0; i < request.indices.length; i++) {
      batch.add(request.indices[i], request.values[i]);
    }
    for (String token : request.tokens) {
      batch.add(FeatureHashing.index(token, hashBits), 1f);
    }
    batch.endRow();
  }
}
