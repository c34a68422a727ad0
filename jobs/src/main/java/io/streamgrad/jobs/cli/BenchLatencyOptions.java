package io.streamgrad.jobs.cli;

import picocli.CommandLine.Option;

/** How a latency run sends its records: at a steady rate, for a while, with a buffer timeout. */
final class BenchLatencyOptions {

  @Option(
      names = "--latency-rate",
      defaultValue = "20000",
      description =
          "Records/s sent during the latency run; 0 skips it (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--latency-seconds",
      defaultValue = "10",
      description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--buffer-timeout-ms",
      defaultValue = "100",
      description =
          "Flink's network buffer timeout in the latency run (Flink's default: 100) (default: ${DEFAULT-VALUE}).")
  long bufferTimeoutMs;
}
