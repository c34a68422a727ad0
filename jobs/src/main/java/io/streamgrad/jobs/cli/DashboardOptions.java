package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.dashboard.Dashboard;
import java.io.IOException;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the dashboard listens ({@code dashboard}, {@code local --dashboard}). */
public final class DashboardOptions {
  @Option(
      names = "--port",
      defaultValue = "8088",
      description = "Port of the dashboard; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description =
          "Address the dashboard listens on; 0.0.0.0 for every interface (the page has no login) (default: ${DEFAULT-VALUE}).")
  String bind;

  void validate() {
    Check.atLeast("--port", port, 0);
    if (port > 65535) {
      throw new BadOption("--port must be at most 65535, got " + port);
    }
    Check.notBlank("--bind", bind);
  }

  Dashboard start(KafkaOptions kafka, String predictionsTopic, Map<String, float[]> trueWeights)
      throws IOException {
    try {
      return Dashboard.start(
          kafka.bootstrapServers,
          kafka.clientProperties(),
          kafka.snapshotsTopic,
          kafka.deadLettersTopic,
          predictionsTopic,
          kafka.feedbackTopic,
          trueWeights,
          bind,
          port);
    } catch (java.net.BindException e) {
      throw new BadOption(
          "the dashboard cannot listen on " + bind + ":" + port + ": " + e.getMessage());
    }
  }
}
