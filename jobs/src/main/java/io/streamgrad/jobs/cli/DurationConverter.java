package io.streamgrad.jobs.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people write them: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d}.
 */
final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String v = value.trim();
    int unit = 0;
    while (unit < v.length() && (Character.isDigit(v.charAt(unit)))) {
      unit++;
    }
    if (unit == 0 || unit == v.length()) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration such as 500ms, 10s, 5m, 2h or 7d");
    }
    long n;
    try {
      n = Long.parseLong(v.substring(0, unit));
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is too large a duration");
    }
    switch (v.substring(unit)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      case "d":
        return Duration.ofDays(n);
      default:
        throw new TypeConversionException(
            "'" + value + "' is not a duration such as 500ms, 10s, 5m, 2h or 7d");
    }
  }
}
