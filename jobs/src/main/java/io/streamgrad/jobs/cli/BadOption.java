package io.streamgrad.jobs.cli;

/**
 * An option value the command refuses, before it does anything: the message names the option, the
 * value and what is allowed.
 */
final class BadOption extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadOption(String message) {
    super(message);
  }
}
