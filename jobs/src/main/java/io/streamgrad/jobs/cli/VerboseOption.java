package io.streamgrad.jobs.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: stack traces with errors. */
final class VerboseOption {
  @Option(names = "--verbose", description = "Print stack traces with errors.")
  boolean verbose;
}
