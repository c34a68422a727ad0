package io.streamgrad.online.serving;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.FeatureHashing;
import java.util.Arrays;

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

  /**
   * {@code request}'s sparse coordinates in a model of {@code 2^hashBits}: explicit, then tokens.
   */
  public static int[] indices(DenseRequest request, int hashBits) {
    int[] out = new int[request.indices.length + request.tokens.length];
    System.arraycopy(request.indices, 0, out, 0, request.indices.length);
    for (int i = 0; i < request.tokens.length; i++) {
      out[request.indices.length + i] = FeatureHashing.index(request.tokens[i], hashBits);
    }
    return out;
  }

  /** The values of {@link #indices}: explicit, then 1 for each token. */
  public static float[] values(DenseRequest request) {
    float[] out = new float[request.values.length + request.tokens.length];
    System.arraycopy(request.values, 0, out, 0, request.values.length);
    Arrays.fill(out, request.values.length, out.length, 1f);
    return out;
  }
}
