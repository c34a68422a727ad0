package io.streamgrad.jobs.cli;

import picocli.CommandLine.Option;

/** Options of the synthetic data, shared by {@code produce} and {@code local}. */
public final class SyntheticDataOptions {
  @Option(
      names = "--samples",
      defaultValue = "20000",
      description = "Samples in total (default: ${DEFAULT-VALUE}).")
  long samples;

  @Option(
      names = "--models",
      defaultValue = "2",
      description = "Model ids model-0..model-N-1 (default: ${DEFAULT-VALUE}).")
  int models;

  @Option(
      names = "--noise",
      defaultValue = "0.5",
      description = "Std of the label noise (default: ${DEFAULT-VALUE}).")
  float noise;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed: same seed, same weights and samples (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--corrupt-fraction",
      defaultValue = "0",
      description =
          "Replace this fraction of the records by bad ones, every kind in turn (tests, demos) (default: ${DEFAULT-VALUE}).")
  double corruptFraction;

  void validate() {
    Check.positive("--samples", samples);
    Check.positive("--models", models);
    Check.nonNegativeFinite("--noise", noise);
    Check.inRange("--corrupt-fraction", corruptFraction, 0, 1, false);
  }
}
