package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.cluster.FlinkRest;
import io.streamgrad.jobs.cluster.LocalFlinkCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A real Flink session cluster on this machine, without Docker (what docker/local-cluster.sh runs).
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "Start, use and stop a real Flink 2.2.1 session cluster on this machine: a JobManager and TaskManagers as separate JVMs.",
    subcommands = {
      ClusterCommand.Start.class,
      ClusterCommand.Submit.class,
      ClusterCommand.Stop.class
    })
public final class ClusterCommand implements Runnable {

  @Override
  public void run() {
    System.err.println("cluster: give a subcommand: start, submit or stop (see --help)");
  }

  static final Path DEFAULT_DIR = Path.of("target", "local-cluster");

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description =
          "Start the JobManager and TaskManagers in the background; returns once they are registered.")
  static final class Start implements Callable<Integer> {
    @Option(
        names = "--lib",
        defaultValue = "flink-cluster/target/lib",
        description = "Flink's lib/ jars (default: ${DEFAULT-VALUE}, built by mvn package).")
    Path lib;

    @Option(
        names = "--dir",
        description = "Configuration, logs and pids (default: target/local-cluster).")
    Path dir = DEFAULT_DIR;

    @Option(
        names = "--task-managers",
        defaultValue = "2",
        description = "TaskManager processes (default: ${DEFAULT-VALUE}).")
    int taskManagers;

    @Option(
        names = "--slots",
        defaultValue = "2",
        description = "Slots per TaskManager (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(
        names = "--rest-port",
        defaultValue = "8081",
        description = "REST and web UI port (default: ${DEFAULT-VALUE}).")
    int restPort;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Any Flink option; repeatable.")
    Map<String, String> config = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
      if (Files.exists(dir.resolve("pids"))) {
        System.err.println(
            "cluster: "
                + dir.resolve("pids")
                + " exists: is a cluster running? Stop it first (cluster stop).");
        return 2;
      }
      LocalFlinkCluster.Builder b =
          LocalFlinkCluster.builder(lib, dir)
              .taskManagers(taskManagers)
              .slotsPerTaskManager(slots)
              .restPort(restPort);
      config.forEach(b::config);
      LocalFlinkCluster cluster = b.start(Duration.ofMinutes(2));
      cluster.detach(); // keep running after this command returns
      System.out.println(
          "Flink is up: "
              + cluster.restUrl()
              + " (web UI and REST), "
              + taskManagers
              + " TaskManagers x "
              + slots
              + " slots; logs in "
              + dir.resolve("log").toAbsolutePath());
      return 0;
    }
  }

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description =
          "Upload the job jar over REST and run it with the given train options, e.g. cluster submit -- --bootstrap-servers localhost:9092 --features 16")
  static final class Submit implements Callable<Integer> {
    @Option(
        names = "--dir",
        description = "The cluster's directory (default: target/local-cluster).")
    Path dir = DEFAULT_DIR;

    @Option(
        names = "--job-jar",
        defaultValue = "jobs/target/streamgrad-flink-job.jar",
        description = "Default: ${DEFAULT-VALUE}.")
    Path jobJar;

    @Option(names = "--parallelism", defaultValue = "2", description = "Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Parameters(paramLabel = "TRAIN_OPTION", description = "Options of `train`.")
    List<String> trainArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      FlinkRest rest = new FlinkRest(restUrl(dir));
      int requested = requestedParallelism();
      var overview = rest.get("/overview");
      int free = overview.path("slots-available").asInt(-1);
      if (free >= 0 && requested > free) {
        // Flink would wait for slots (minutes), then fail on something else.
        System.err.println(
            "cluster submit: parallelism "
                + requested
                + " needs "
                + requested
                + " free task slots; the cluster has "
                + free
                + " free of "
                + overview.path("slots-total").asInt()
                + ": lower --parallelism or start more TaskManagers");
        return CommandLine.ExitCode.USAGE;
      }
      String jar = rest.uploadJar(jobJar);
      String job = rest.runJar(jar, trainArgs, parallelism);
      System.out.println(
          "submitted job " + job + " (" + restUrl(dir) + "/#/job/running/" + job + ")");
      return 0;
    }

    /** The job's parallelism: a {@code --parallelism} among the train options wins. */
    int requestedParallelism() {
      for (int i = 0; i < trainArgs.size() - 1; i++) {
        if (trainArgs.get(i).equals("--parallelism")) {
          try {
            int p = Integer.parseInt(trainArgs.get(i + 1).trim());
            return p > 0 ? p : parallelism;
          } catch (NumberFormatException e) {
            return parallelism; // train refuses it itself, naming it
          }
        }
      }
      return parallelism;
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stop the cluster's processes (SIGTERM, then SIGKILL after 20 s).")
  static final class Stop implements Callable<Integer> {
    @Option(
        names = "--dir",
        description = "The cluster's directory (default: target/local-cluster).")
    Path dir = DEFAULT_DIR;

    @Override
    public Integer call() throws Exception {
      Path pids = dir.resolve("pids");
      if (!Files.exists(pids)) {
        System.err.println("cluster: no " + pids + ": nothing to stop");
        return 0;
      }
      List<ProcessHandle> processes = new ArrayList<>();
      for (String line : Files.readAllLines(pids)) {
        String[] f = line.split(" ");
        if (!f[0].equals("rest")) {
          Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(f[1]));
          p.ifPresent(processes::add);
        }
      }
      processes.forEach(ProcessHandle::destroy);
      for (ProcessHandle p : processes) {
        try {
          p.onExit().get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          p.destroyForcibly();
        }
      }
      Files.delete(pids);
      System.out.println("stopped " + processes.size() + " Flink processes");
      return 0;
    }
  }

  static String restUrl(Path dir) throws IOException {
    for (String line : Files.readAllLines(dir.resolve("pids"))) {
      if (line.startsWith("rest ")) {
        return line.substring("rest ".length());
      }
    }
    throw new IllegalStateException(
        "no REST address in " + dir.resolve("pids") + ": is the cluster started?");
  }
}
