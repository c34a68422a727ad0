package io.streamgrad.jobs.bench;

import io.streamgrad.jobs.cluster.FlinkRest;
import io.streamgrad.jobs.graph.RuntimeSettings;
import java.net.ServerSocket;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A MiniCluster at parallelism 1 that checkpoints every {@code intervalMillis} to {@code dir},
 * never restarts, and serves its REST API on a free port: where the checkpoint benches read each
 * checkpoint's size and duration as Flink reports them.
 */
record CheckpointingCluster(StreamExecutionEnvironment env, FlinkRest rest) {

  static CheckpointingCluster create(
      RuntimeSettings.StateBackend backend, long intervalMillis, String dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RuntimeSettings rt =
        RuntimeSettings.builder()
            .stateBackend(backend)
            .parallelism(1)
            .checkpointIntervalMs(intervalMillis)
            .checkpointDir(dir)
            .maxRestarts(0)
            .build();
    Configuration conf = rt.miniClusterConfig(1);
    conf.set(RestOptions.PORT, port);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    rt.applyTo(env);
    return new CheckpointingCluster(env, new FlinkRest("http://localhost:" + port));
  }
}
