package io.streamgrad.jobs.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamgrad.jobs.demo.FailureInjection;
import java.util.UUID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dashboard's restarts, read from a real Flink cluster's REST API (a MiniCluster's). */
class FlinkRestartsTest {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(1)
              .build());

  @Test
  void countsTheRestartsOfTheRunningJobs(@InjectClusterClient RestClusterClient<?> client)
      throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
        java.time.Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    String run = "restarts-" + UUID.randomUUID();
    env.fromSequence(0, Long.MAX_VALUE)
        .map(new FailureInjection<Long>(run, new long[] {1_000, 2_000}))
        .returns(Long.class)
        .sinkTo(new DiscardingSink<>());
    JobClient job = env.executeAsync("fails twice, then runs");
    try (FlinkRestarts restarts = new FlinkRestarts(client.getWebInterfaceURL())) {
      DashboardServerTest.await(() -> restarts.getAsInt() == 2, "two restarts read from REST");
      Board board = new Board();
      board.restarts(restarts);
      assertEquals(
          2,
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(board.summaryJson())
              .get("restarts")
              .asInt());
    } finally {
      job.cancel().get();
      FailureInjection.forget(run);
    }
    try (FlinkRestarts nowhere = new FlinkRestarts("http://127.0.0.1:1")) {
      Board board = new Board();
      board.restarts(nowhere);
      assertEquals(
          true,
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(board.summaryJson())
              .get("restarts")
              .isNull(),
          "unknown, not 0, while the cluster cannot be read");
    }
  }
}
