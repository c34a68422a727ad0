package io.streamgrad.jobs.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the dashboard with the JDK's own HTTP server: the page and its scripts (Chart.js from its
 * WebJar: nothing from a CDN, the page works offline), the board as JSON, and a server-sent event
 * stream that tells pages when the board changed (checked every {@value #EVENT_CHECK_MILLIS} ms),
 * so a page follows a new snapshot within a second without reloading.
 *
 * <p>A client that goes away mid-stream only ends its own stream. The page escapes what it shows
 * (model ids come from producers) and the server's Content-Security-Policy allows no inline script.
 */
public final class DashboardServer implements AutoCloseable {
  static final long EVENT_CHECK_MILLIS = 200;
  private static final long HEARTBEAT_MILLIS = 10_000;

  /** Streams served at once; more are refused (503) rather than taking every thread. */
  static final int MAX_STREAMS = 200;

  private static final String CHART_JS =
      "/META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
  private static final Map<String, String[]> STATIC =
      Map.of(
          "/", new String[] {"index.html", "text/html; charset=utf-8"},
          "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
          "/static/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
          "/static/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"},
          "/static/chart.umd.min.js", new String[] {CHART_JS, "text/javascript; charset=utf-8"});

  private final Board board;
  private final HttpServer server;
  private final ExecutorService threads;
  private final AtomicInteger streams = new AtomicInteger();
  private final Map<String, byte[]> resources = new HashMap<>();
  private volatile boolean running = true;

  /** Listens on {@code bind}:{@code port} (0: any free port). */
  public DashboardServer(Board board, String bind, int port) throws IOException {
    this.board = board;
    for (Map.Entry<String, String[]> e : STATIC.entrySet()) {
      String name = e.getValue()[0];
      String path = name.startsWith("/") ? name : "/io/streamgrad/jobs/dashboard/" + name;
      try (InputStream in = DashboardServer.class.getResourceAsStream(path)) {
        if (in == null) {
          throw new IOException("dashboard resource missing from the jar: " + path);
        }
        resources.put(e.getKey(), in.readAllBytes());
      }
    }
    try {
      server = HttpServer.create(new InetSocketAddress(bind, port), 64);
    } catch (BindException e) {
      // The JDK's message is "Address already in use" alone: say which address.
      throw new IOException(
          "the dashboard cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
    }
    threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "streamgrad-dashboard-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(threads);
    server.createContext("/", this::serve);
    server.start();
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    String host = server.getAddress().getHostString();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
  }

  private void serve(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
        send(x, 405, "text/plain; charset=utf-8", "GET only".getBytes(StandardCharsets.UTF_8));
        return;
      }
      Map<String, String> q = query(x.getRequestURI().getRawQuery());
      switch (path) {
        case "/api/summary" -> json(x, board.summaryJson());
        case "/api/models" ->
            json(
                x,
                board.modelsJson(
                    Board.Sort.parse(q.get("sort")), q.get("q"), limit(q.get("limit"))));
        case "/api/model" -> {
          String m = board.modelJson(q.get("id"));
          if (m == null) {
            send(
                x,
                404,
                "application/json",
                "{\"error\": \"no such model\"}".getBytes(StandardCharsets.UTF_8));
          } else {
            json(x, m);
          }
        }
        case "/events" -> events(x);
        default -> {
          byte[] body = resources.get(path);
          if (body == null) {
            send(x, 404, "text/plain; charset=utf-8", "not found".getBytes(StandardCharsets.UTF_8));
          } else {
            send(x, 200, STATIC.get(path)[1], body);
          }
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static int limit(String s) {
    try {
      return s == null ? 50 : Math.max(1, Math.min(500, Integer.parseInt(s)));
    } catch (NumberFormatException e) {
      return 50;
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static void json(HttpExchange x, String body) throws IOException {
    send(x, 200, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void headers(HttpExchange x, String type) {
    var h = x.getResponseHeaders();
    h.set("Content-Type", type);
    h.set("Cache-Control", "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  }

  private static void send(HttpExchange x, int status, String type, byte[] body)
      throws IOException {
    headers(x, type);
    boolean head = x.getRequestMethod().equals("HEAD");
    x.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Server-sent events: {@code data: {"changes": N}} whenever the board changed; pings between. */
  private void events(HttpExchange x) throws IOException {
    if (streams.incrementAndGet() > MAX_STREAMS) {
      streams.decrementAndGet();
      send(
          x, 503, "text/plain; charset=utf-8", "too many streams".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      headers(x, "text/event-stream; charset=utf-8");
      x.sendResponseHeaders(200, 0);
      OutputStream out = x.getResponseBody();
      long seen = -1;
      long lastWrite = 0;
      while (running) {
        long now = System.currentTimeMillis();
        long changes = board.changes();
        if (changes != seen) {
          seen = changes;
          out.write(("data: {\"changes\": " + changes + "}\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          lastWrite = now;
        } else if (now - lastWrite >= HEARTBEAT_MILLIS) {
          out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8)); // finds a gone client
          out.flush();
          lastWrite = now;
        }
        Thread.sleep(EVENT_CHECK_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.decrementAndGet();
    }
  }

  /** Event streams open now. */
  public int openStreams() {
    return streams.get();
  }

  @Override
  public void close() {
    running = false;
    server.stop(0);
    threads.shutdownNow();
  }
}
