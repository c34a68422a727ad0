package io.streamgrad.online.serving;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.FeatureHashing;

/**
 * A request's sparse part, checked against its model ({@link DenseRequest#mismatch}), as one row of
 * a {@link SparseBatch}, tokens hashed with the model's {@code hashBits}. Shared by the predictor
 * and the trainer that serves.
 */
public final class SparseRequests {

  private SparseRequests() {}

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
