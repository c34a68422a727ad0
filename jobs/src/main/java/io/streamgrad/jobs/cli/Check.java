package io.streamgrad.jobs.cli;

import java.util.Arrays;

/**
 * Validation of option values, each failure a {@link BadOption} naming the option, the value and
 * what is allowed.
 */
final class Check {
  private Check() {}

  static long positive(String option, long value) {
    if (value <= 0) {
      throw new BadOption(option + " must be a positive whole number, got " + value);
    }
    return value;
  }

  static long atLeast(String option, long value, long min) {
    if (value < min) {
      throw new BadOption(option + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  static double positiveFinite(String option, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new BadOption(option + " must be a positive number, got " + value);
    }
    return value;
  }

  static double nonNegativeFinite(String option, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new BadOption(option + " must be a number >= 0, got " + value);
    }
    return value;
  }

  /** {@code min <= value <= max} (or {@code < max} when {@code maxExclusive}). */
  static double inRange(String option, double value, double min, double max, boolean maxExclusive) {
    boolean ok = value >= min && (maxExclusive ? value < max : value <= max);
    if (!ok) {
      throw new BadOption(
          option
              + " must be in ["
              + fmt(min)
              + ", "
              + fmt(max)
              + (maxExclusive ? ")" : "]")
              + ", got "
              + value);
    }
    return value;
  }

  static String oneOf(String option, String value, String... allowed) {
    if (value == null || Arrays.stream(allowed).noneMatch(value::equals)) {
      throw new BadOption(option + " must be " + list(allowed) + ", not '" + value + "'");
    }
    return value;
  }

  static String notBlank(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new BadOption(option + " must not be empty");
    }
    return value;
  }

  static String required(String option, String value) {
    if (value == null) {
      throw new BadOption(option + " is required");
    }
    return notBlank(option, value);
  }

  private static String list(String[] allowed) {
    if (allowed.length == 1) {
      return allowed[0];
    }
    return String.join(", ", Arrays.copyOf(allowed, allowed.length - 1))
        + " or "
        + allowed[allowed.length - 1];
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
