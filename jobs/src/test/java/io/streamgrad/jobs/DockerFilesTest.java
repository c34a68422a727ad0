package io.streamgrad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.cli.PredictCommand;
import io.streamgrad.jobs.cli.ProduceCommand;
import io.streamgrad.jobs.cli.TrainCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Docker files cannot run here (no Docker engine; CI validates the compose file with
 * docker-compose config), so check what they say about this code: the job's main class, the options
 * the compose file passes to {@code train} and {@code produce}, and the jars they copy.
 */
class DockerFilesTest {
  private static final Path DOCKER = Path.of("..", "docker");

  @Test
  void theComposeFilesJobsAndProducersOptionsParse() throws Exception {
    String compose = Files.readString(DOCKER.resolve("docker-compose.yml"));
    Matcher job =
        Pattern.compile("- --job-classname\\n\\s+- (\\S+)\\n((?:\\s+- .*\\n)+)").matcher(compose);
    Map<String, List<String>> jobs = new LinkedHashMap<>();
    while (job.find()) {
      List<String> args = new ArrayList<>();
      for (String line : job.group(2).split("\\n")) {
        args.add(line.trim().substring(2).replace("\"", ""));
      }
      jobs.put(job.group(1), args);
    }
    assertEquals(
        List.of(TrainCommand.class.getName(), PredictCommand.class.getName()),
        List.copyOf(jobs.keySet()),
        "the training and the predictor application clusters");
    List<String> trainArgs = jobs.get(TrainCommand.class.getName());
    new CommandLine(new TrainCommand())
        .parseArgs(trainArgs.toArray(String[]::new)); // throws on an unknown option
    assertTrue(trainArgs.contains("exactly-once"), trainArgs.toString());
    List<String> predictArgs = jobs.get(PredictCommand.class.getName());
    new CommandLine(new PredictCommand()).parseArgs(predictArgs.toArray(String[]::new));
    assertTrue(predictArgs.contains("exactly-once"), predictArgs.toString());

    Matcher producer = Pattern.compile("command: \\[\"produce\", ([^\\]]+)\\]").matcher(compose);
    int producers = 0;
    while (producer.find()) {
      List<String> produceArgs = new ArrayList<>();
      for (String a : producer.group(1).split(",")) {
        produceArgs.add(a.trim().replace("\"", ""));
      }
      new CommandLine(new ProduceCommand()).parseArgs(produceArgs.toArray(String[]::new));
      producers++;
    }
    assertEquals(2, producers, "a producer of samples and one of requests");
    assertTrue(compose.contains("requests:4 predictions:4"), "their topics are created");

    Matcher dashboard = Pattern.compile("command: \\[\"dashboard\", ([^\\]]+)\\]").matcher(compose);
    assertTrue(dashboard.find(), "the dashboard service");
    List<String> dashboardArgs = new ArrayList<>();
    for (String a : dashboard.group(1).split(",")) {
      dashboardArgs.add(a.trim().replace("\"", ""));
    }
    new CommandLine(new io.streamgrad.jobs.cli.DashboardCommand())
        .parseArgs(dashboardArgs.toArray(String[]::new));
    assertTrue(dashboardArgs.contains("0.0.0.0"), "reachable from the host through its port");
  }

  @Test
  void theDockerfileCopiesTheJarsTheBuildMakes() throws Exception {
    String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
    assertTrue(
        dockerfile.contains(
            "COPY --chown=flink:flink jobs/target/streamgrad-flink-job.jar /opt/flink/usrlib/"));
    assertTrue(
        dockerfile.contains(
            "COPY --chown=flink:flink jobs/target/streamgrad.jar /opt/streamgrad/streamgrad.jar"));
    assertTrue(dockerfile.contains("--add-modules=jdk.incubator.vector"));
  }
}
