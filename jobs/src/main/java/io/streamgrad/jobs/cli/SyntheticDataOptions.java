package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.demo.SyntheticData;
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

  @Option(
      names = "--feature-scale",
      defaultValue = "1",
      description =
          "Write features as x*S + O, raw-looking data with the same true function of the raw features (default: ${DEFAULT-VALUE}).")
  float featureScale;

  @Option(
      names = "--feature-offset",
      defaultValue = "0",
      description = "The O of --feature-scale (default: ${DEFAULT-VALUE}).")
  float featureOffset;

  @Option(
      names = "--drift-at",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Concept drift: each model's true weights change (new draws) after its first N samples; 0: never (default: ${DEFAULT-VALUE}).")
  long driftAt;

  @Option(
      names = "--noise-at",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Broken data: each model's labels become noise unrelated to the features after its first N samples; 0: never (default: ${DEFAULT-VALUE}).")
  long noiseAt;

  @Option(
      names = "--sparse",
      description =
          "Click-through data: each sample carries categorical tokens (c<id>, power-law frequencies) besides its dense features, and a 0/1 click drawn from each model's true sparse logistic model; `local --sparse` trains it with --model sparse-logistic --optimizer ftrl --lr 0.1 --features 0 unless told otherwise (fm:K works too).")
  boolean sparse;

  @Option(
      names = "--distinct-tokens",
      defaultValue = "1000000",
      description = "With --sparse: distinct tokens (default: ${DEFAULT-VALUE}).")
  int distinctTokens;

  @Option(
      names = "--tokens-per-sample",
      defaultValue = "30",
      description = "With --sparse: tokens per sample (default: ${DEFAULT-VALUE}).")
  int tokensPerSample;

  /** Click data needs a truth per model of {@code --distinct-tokens} weights: a bound. */
  static final int MAX_SPARSE_MODELS = 64;

  /** The generator these options describe, for models of {@code features} inputs. */
  SyntheticData generator(int features) {
    SyntheticData g =
        new SyntheticData(features, models, noise, seed)
            .rawLooking(featureScale, featureOffset)
            .driftAt(driftAt)
            .noiseAt(noiseAt);
    return sparse ? g.sparse(distinctTokens, tokensPerSample) : g;
  }

  /** A generator whose weights are those after the drift, when the samples reached it. */
  SyntheticData generatorAfterSamples(int features) {
    SyntheticData g = generator(features);
    return driftAt > 0 && samples / models > driftAt ? g.drifted() : g;
  }

  void validate() {
    Check.positiveFinite("--feature-scale", Math.abs(featureScale));
    Check.nonNegativeFinite("--feature-offset", Math.abs(featureOffset));
    Check.atLeast("--drift-at", driftAt, 0);
    Check.atLeast("--noise-at", noiseAt, 0);
    Check.positive("--samples", samples);
    Check.positive("--models", models);
    Check.nonNegativeFinite("--noise", noise);
    Check.inRange("--corrupt-fraction", corruptFraction, 0, 1, false);
    if (sparse) {
      Check.positive("--distinct-tokens", distinctTokens);
      Check.positive("--tokens-per-sample", tokensPerSample);
      Check.inRange("--models", models, 1, MAX_SPARSE_MODELS, false);
      if (driftAt > 0 || noiseAt > 0) {
        throw new BadOption("--drift-at and --noise-at are for regression data, not --sparse");
      }
    }
  }
}
