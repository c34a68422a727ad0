package io.streamgrad.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Flink session cluster on this machine, started the way Flink's own scripts start one: a
 * JobManager ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code
 * TaskManagerRunner}), each in its own JVM on loopback, on the jars of a Flink {@code lib/} folder
 * (see the {@code flink-cluster} module), with the memory settings {@code taskmanager.sh} and
 * {@code jobmanager.sh} compute through {@code BashJavaUtils}, Flink's Java 17 JVM options, and
 * {@code --add-modules jdk.incubator.vector} for the Vector API kernels.
 *
 * <p>Logs go to {@code <dir>/log}, the configuration to {@code <dir>/conf}, process ids to {@code
 * <dir>/pids} (for {@code docker/local-cluster.sh stop}).
 */
public final class LocalFlinkCluster implements AutoCloseable {

  /**
   * Flink's {@code env.java.opts.all} for Java 17 (as in the distribution's config.yaml), plus the
   * Vector API.
   */
  public static final List<String> JVM_OPTIONS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
          "--add-modules=jdk.incubator.vector");

  private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

  private final Path lib;
  private final Path dir;
  private final int taskManagerCount;
  private final Map<String, String> config;
  private final String classpath;
  private final int restPort;
  private Process jobManager;
  private final List<Process> taskManagers = new ArrayList<>();

  private LocalFlinkCluster(Builder b) throws IOException {
    this.lib = b.lib.toAbsolutePath();
    this.dir = b.dir.toAbsolutePath();
    this.taskManagerCount = b.taskManagers;
    this.restPort = b.restPort > 0 ? b.restPort : freePort();
    try (Stream<Path> jars = Files.list(lib)) {
      List<String> cp =
          jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted().toList();
      if (cp.isEmpty()) {
        throw new IllegalArgumentException(
            lib + " has no jars: build the flink-cluster module (mvn package) first");
      }
      this.classpath = String.join(File.pathSeparator, cp);
    }
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", String.valueOf(freePort()));
    c.put("jobmanager.bind-host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.host", "localhost");
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", String.valueOf(restPort));
    c.put("jobmanager.memory.process.size", "1024m");
    c.put("taskmanager.memory.process.size", "1536m");
    c.put(
        "taskmanager.memory.managed.fraction", "0.05"); // state lives on the heap (hashmap backend)
    c.put("taskmanager.numberOfTaskSlots", String.valueOf(b.slots));
    c.put("taskmanager.load-balance.mode", "SLOTS"); // spread subtasks over TaskManagers
    c.put("env.java.opts.all", String.join(" ", JVM_OPTIONS));
    c.put("state.checkpoints.dir", dir.resolve("checkpoints").toUri().toString());
    c.put("state.savepoints.dir", dir.resolve("savepoints").toUri().toString());
    c.put("web.upload.dir", dir.resolve("uploads").toString());
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "10");
    c.put("restart-strategy.fixed-delay.delay", "1 s");
    c.put("heartbeat.interval", "1000");
    c.put("heartbeat.timeout", "8000");
    c.put("metrics.fetcher.update-interval", "1000");
    c.putAll(b.config);
    this.config = c;
  }

  public static Builder builder(Path lib, Path dir) {
    return new Builder(lib, dir);
  }

  /** Configuration of the cluster; fluent, checked by {@link #start()}. */
  public static final class Builder {
    private final Path lib;
    private final Path dir;
    private int taskManagers = 2;
    private int slots = 2;
    private int restPort;
    private final Map<String, String> config = new LinkedHashMap<>();

    private Builder(Path lib, Path dir) {
      this.lib = lib;
      this.dir = dir;
    }

    public Builder taskManagers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("taskManagers must be at least 1, got " + n);
      }
      this.taskManagers = n;
      return this;
    }

    public Builder slotsPerTaskManager(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("slots must be at least 1, got " + n);
      }
      this.slots = n;
      return this;
    }

    /** REST port; 0 (default) picks a free one. */
    public Builder restPort(int port) {
      this.restPort = port;
      return this;
    }

    /** Any Flink option, overriding the defaults. */
    public Builder config(String key, String value) {
      config.put(key, value);
      return this;
    }

    public LocalFlinkCluster start(Duration timeout) throws Exception {
      LocalFlinkCluster cluster = new LocalFlinkCluster(this);
      try {
        cluster.startProcesses(timeout);
      } catch (Exception e) {
        cluster.close();
        throw e;
      }
      return cluster;
    }
  }

  private void startProcesses(Duration timeout) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.createDirectories(dir.resolve("log"));
    Files.writeString(dir.resolve("conf/config.yaml"), yaml(config), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("conf/log4j.properties"), LOG4J, StandardCharsets.UTF_8);
    jobManager =
        spawn(
            "jobmanager",
            "GET_JM_RESOURCE_PARAMS",
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            List.of());
    for (int i = 0; i < taskManagerCount; i++) {
      startTaskManager();
    }
    writePids();
    FlinkRest rest = rest();
    rest.awaitTaskManagers(taskManagerCount, timeout);
  }

  /** Starts one more TaskManager (e.g. to replace a dead one, as a supervisor would). */
  public synchronized int startTaskManager() throws IOException, InterruptedException {
    int index = taskManagers.size();
    String id = "tm-" + index;
    taskManagers.add(
        spawn(
            id,
            "GET_TM_RESOURCE_PARAMS",
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            List.of("-D", "taskmanager.resource-id=" + id)));
    writePids();
    return index;
  }

  /** Kills TaskManager {@code index} like a crash would: SIGKILL, no shutdown hooks. */
  public synchronized void killTaskManager(int index) throws InterruptedException {
    Process p = taskManagers.get(index);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  public String restUrl() {
    return "http://localhost:" + restPort;
  }

  public FlinkRest rest() {
    return new FlinkRest(restUrl());
  }

  public Path dir() {
    return dir;
  }

  /** Memory settings as the start scripts compute them, then the process itself. */
  private Process spawn(
      String name, String resourceCommand, String mainClass, List<String> extraDynamic)
      throws IOException, InterruptedException {
    List<String> params = bashJavaUtils(resourceCommand);
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(Arrays.asList(params.get(0).trim().split("\\s+")));
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-Dlog.file=" + dir.resolve("log/" + name + ".log"));
    cmd.add("-Dlog4j.configurationFile=" + dir.resolve("conf/log4j.properties").toUri());
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(dir.resolve("conf").toString());
    if (params.size() > 1 && !params.get(1).isBlank()) {
      cmd.addAll(Arrays.asList(params.get(1).trim().split("\\s+")));
    }
    cmd.addAll(extraDynamic);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("log/" + name + ".out").toFile())
        .start();
  }

  private List<String> bashJavaUtils(String command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                javaBinary(),
                "-cp",
                classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils",
                command,
                "--configDir",
                dir.resolve("conf").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + out);
    }
    List<String> results =
        out.lines()
            .filter(l -> l.startsWith(RESULT_PREFIX))
            .map(l -> l.substring(RESULT_PREFIX.length()))
            .toList();
    if (results.isEmpty()) {
      throw new IllegalStateException("BashJavaUtils " + command + " printed no result:\n" + out);
    }
    return results;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private void writePids() throws IOException {
    List<String> lines = new ArrayList<>();
    if (jobManager != null) {
      lines.add("jobmanager " + jobManager.pid());
    }
    for (int i = 0; i < taskManagers.size(); i++) {
      lines.add("tm-" + i + " " + taskManagers.get(i).pid());
    }
    lines.add("rest " + restUrl());
    Files.write(dir.resolve("pids"), lines, StandardCharsets.UTF_8);
  }

  /** Leaves the processes running (for the start script); {@link #close()} is not called. */
  public void detach() {
    jobManager = null;
    taskManagers.clear();
  }

  @Override
  public void close() {
    List<Process> all = new ArrayList<>(taskManagers);
    if (jobManager != null) {
      all.add(jobManager);
    }
    for (Process p : all) {
      p.destroy(); // SIGTERM: Flink's shutdown hooks run
    }
    for (Process p : all) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  private static String yaml(Map<String, String> config) {
    return config.entrySet().stream()
        .map(e -> e.getKey() + ": " + quote(e.getValue()))
        .collect(Collectors.joining("\n", "# written by streamgrad LocalFlinkCluster\n", "\n"));
  }

  private static String quote(String v) {
    return v.matches("[A-Za-z0-9_./:=-]+")
        ? v
        : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static final String LOG4J =
      String.join(
          "\n",
          "rootLogger.level = INFO",
          "rootLogger.appenderRef.file.ref = MainAppender",
          "appender.main.name = MainAppender",
          "appender.main.type = File",
          "appender.main.fileName = ${sys:log.file}",
          "appender.main.layout.type = PatternLayout",
          "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
          "logger.kafka.name = org.apache.kafka",
          "logger.kafka.level = WARN",
          "");
}
