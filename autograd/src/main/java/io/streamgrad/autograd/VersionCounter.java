package io.streamgrad.autograd;

/** Counts in-place writes to a storage; shared by a tensor and its views (reshape, detach). */
final class VersionCounter {
  private int version;

  int get() {
    return version;
  }

  void bump() {
    version++;
  }
}
