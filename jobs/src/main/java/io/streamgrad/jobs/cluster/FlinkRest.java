package io.streamgrad.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The few calls of Flink's REST API that submitting and watching a job need. */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public FlinkRest(String base) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  /** Waits until {@code n} TaskManagers are registered. */
  public void awaitTaskManagers(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        int registered = get("/taskmanagers").path("taskmanagers").size();
        if (registered >= n) {
          return;
        }
        last = registered + " registered";
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "Flink at "
            + base
            + " did not report "
            + n
            + " TaskManagers within "
            + timeout
            + " ("
            + last
            + ")");
  }

  /** {@code POST /jars/upload}; returns the jar id. */
  public String uploadJar(Path jar) throws IOException, InterruptedException {
    String boundary = "streamgrad-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName()
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    JsonNode r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    String filename = r.path("filename").asText();
    if (filename.isEmpty()) {
      throw new IOException("upload of " + jar + " failed: " + r);
    }
    return Path.of(filename).getFileName().toString();
  }

  /** {@code POST /jars/:id/run}; returns the job id. */
  public String runJar(String jarId, List<String> args, int parallelism)
      throws IOException, InterruptedException {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("programArgsList", args);
    request.put("parallelism", parallelism);
    JsonNode r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))));
    String job = r.path("jobid").asText();
    if (job.isEmpty()) {
      throw new IOException("run of " + jarId + " failed: " + r);
    }
    return job;
  }

  public String jobState(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId).path("state").asText();
  }

  /** Vertex id by name prefix (e.g. {@code "OnlineTrainer"}). */
  public String vertexId(String jobId, String namePrefix) throws IOException, InterruptedException {
    for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
      if (v.path("name").asText().startsWith(namePrefix)) {
        return v.path("id").asText();
      }
    }
    throw new IllegalArgumentException("job " + jobId + " has no vertex named " + namePrefix + "…");
  }

  /** Resource ids of the TaskManagers running subtasks of a vertex. */
  public List<String> vertexTaskManagers(String jobId, String vertexId)
      throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    for (JsonNode tm :
        get("/jobs/" + jobId + "/vertices/" + vertexId + "/taskmanagers").path("taskmanagers")) {
      out.add(tm.path("taskmanager-id").asText());
    }
    return out;
  }

  /**
   * Every metric of a vertex whose id ends with {@code suffix}, with its value (one per subtask).
   */
  public Map<String, String> vertexMetrics(String jobId, String vertexId, String suffix)
      throws IOException, InterruptedException {
    String path = "/jobs/" + jobId + "/vertices/" + vertexId + "/metrics";
    List<String> ids = new ArrayList<>();
    for (JsonNode m : get(path)) {
      String id = m.path("id").asText();
      if (id.endsWith(suffix)) {
        ids.add(id);
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (ids.isEmpty()) {
      return values;
    }
    String query = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
    for (JsonNode m : get(path + "?get=" + query)) {
      values.put(m.path("id").asText(), m.path("value").asText());
    }
    return values;
  }

  /** A job-level metric, e.g. {@code numRestarts}; null while unknown. */
  public String jobMetric(String jobId, String name) throws IOException, InterruptedException {
    for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=" + name)) {
      return m.path("value").asText();
    }
    return null;
  }

  public void cancel(String jobId) throws IOException, InterruptedException {
    send(
        HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
            .method("PATCH", HttpRequest.BodyPublishers.noBody()));
  }

  public JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IOException(
          r.request().method()
              + " "
              + r.request().uri()
              + " → "
              + r.statusCode()
              + ": "
              + r.body());
    }
    return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }
}
