package io.streamgrad.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One line that says why something failed, from an exception's chain of causes. */
final class Failures {
  private Failures() {}

  /** Flink's and Java's wrappers that say nothing about the cause. */
  private static final Set<String> GENERIC =
      Set.of("Job execution failed.", "java.lang.RuntimeException");

  static Throwable rootCause(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r;
  }

  /**
   * The root cause first ({@code Type: message}), then what the wrappers added, e.g. Flink's {@code
   * Recovery is suppressed by …} when the job used up its restarts.
   */
  static String describe(Throwable t) {
    Throwable root = rootCause(t);
    StringBuilder b = new StringBuilder(root.getClass().getSimpleName());
    if (root.getMessage() != null) {
      b.append(": ").append(root.getMessage());
    }
    Set<String> context = new LinkedHashSet<>();
    for (Throwable c = t; c != null && c != root; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null
          && !GENERIC.contains(m)
          && !m.startsWith(root.getClass().getName())
          && !b.toString().contains(m)) {
        context.add(m.lines().findFirst().orElse(m));
      }
    }
    List<String> parts = new ArrayList<>(context);
    if (!parts.isEmpty()) {
      b.append(" (").append(String.join("; ", parts)).append(')');
    }
    return b.toString();
  }
}
