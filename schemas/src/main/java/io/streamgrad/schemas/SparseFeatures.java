package io.streamgrad.schemas;

/**
 * The checks a sample's or a request's sparse part gets against a model of {@code 2^hashBits}
 * coordinates, with their dead-letter reasons: one wording for the trainer's decoder and the
 * predictor. Duplicate indices are summed (the hashing trick makes them anyway), not refused.
 */
public final class SparseFeatures {

  /** Dead-letter reason of a sparse part sent to a model that has none. */
  public static final String WITHOUT_SPARSE_PART =
      "sparse features for a model without a sparse part";

  /** Dead-letter reason of a NaN or infinite sparse value. */
  public static final String NON_FINITE_VALUE = "non-finite sparse value";

  /** Dead-letter reason of a token that is the empty string. */
  public static final String EMPTY_TOKEN = "empty token";

  private SparseFeatures() {}

  /**
   * The reason explicit {@code indices} with their {@code values} do not fit a model of {@code
   * 2^hashBits} coordinates ({@code hashBits} 0: a model without a sparse part), or null when they
   * do.
   */
  public static String invalidReason(int[] indices, float[] values, int hashBits) {
    if (indices.length == 0 && values.length == 0) {
      return null;
    }
    if (hashBits == 0) {
      return WITHOUT_SPARSE_PART;
    }
    if (indices.length != values.length) {
      return DenseSample.indicesAndValues(indices.length, values.length);
    }
    int space = 1 << hashBits;
    for (int i : indices) {
      if (i < 0 || i >= space) {
        return "sparse index outside the space: " + i + " not in [0, 2^" + hashBits + ")";
      }
    }
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return NON_FINITE_VALUE;
      }
    }
    return null;
  }
}
