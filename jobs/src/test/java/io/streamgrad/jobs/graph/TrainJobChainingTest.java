package io.streamgrad.jobs.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.kafka.KafkaSettings;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Where the trainer runs: in the source's task at parallelism 1 (the stream is already keyed as
 * Flink would key it), behind a {@code keyBy} at higher parallelism; records handed on uncopied.
 */
class TrainJobChainingTest {

  private StreamExecutionEnvironment env;

  private List<JobVertex> vertices(int parallelism) {
    env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(parallelism);
    KafkaSettings kafka =
        KafkaSettings.builder()
            .bootstrapServers("localhost:9")
            .samplesTopic("samples")
            .snapshotsTopic("snapshots")
            .deadLettersTopic("dead-letters")
            .build();
    TrainJob.build(env, kafka, OnlineTrainer.builder().features(4).build());
    JobGraph graph = env.getStreamGraph().getJobGraph();
    return StreamSupport.stream(graph.getVertices().spliterator(), false).toList();
  }

  private static JobVertex trainer(List<JobVertex> vertices) {
    List<JobVertex> found =
        vertices.stream().filter(v -> v.getName().contains("OnlineTrainer")).toList();
    assertEquals(1, found.size(), () -> "one vertex with the trainer: " + names(vertices));
    return found.get(0);
  }

  private static List<String> names(List<JobVertex> vertices) {
    return vertices.stream().map(JobVertex::getName).toList();
  }

  @Test
  void atParallelismOneTheTrainerRunsInTheSourcesTask() {
    JobVertex trainer = trainer(vertices(1));
    assertTrue(trainer.getName().contains("Kafka samples"), trainer.getName());
    assertTrue(trainer.getName().contains("Decode and validate samples"), trainer.getName());
    assertTrue(env.getConfig().isObjectReuseEnabled());
  }

  @Test
  void atParallelismTwoTheKeyByStays() {
    List<JobVertex> vertices = vertices(2);
    JobVertex trainer = trainer(vertices);
    assertFalse(trainer.getName().contains("Kafka samples"), trainer.getName());
    assertTrue(
        vertices.stream().anyMatch(v -> v.getName().contains("Kafka samples")),
        names(vertices)::toString);
  }
}
