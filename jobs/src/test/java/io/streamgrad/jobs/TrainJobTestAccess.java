package io.streamgrad.jobs;

/** Package-private parts of TrainJob, for tests in other packages. */
public final class TrainJobTestAccess {
  private TrainJobTestAccess() {}

  public static Object startingOffsets(String spec) {
    return TrainJob.startingOffsets(spec);
  }
}
