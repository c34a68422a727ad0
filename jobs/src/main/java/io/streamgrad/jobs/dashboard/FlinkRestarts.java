package io.streamgrad.jobs.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.jobs.cluster.FlinkRest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restarts of the jobs a Flink cluster runs, read from its REST API every few seconds (the job
 * metric {@code numRestarts}, summed over the jobs not yet finished): the dashboard's restarts when
 * it runs beside a cluster. -1 while the cluster cannot be read.
 */
public final class FlinkRestarts implements IntSupplier, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkRestarts.class);
  static final long POLL_SECONDS = 2;

  private final FlinkRest rest;
  private final ScheduledExecutorService poller;
  private volatile int restarts = -1;
  private volatile boolean warned;

  public FlinkRestarts(String restUrl) {
    this.rest =
        new FlinkRest(restUrl.endsWith("/") ? restUrl.substring(0, restUrl.length() - 1) : restUrl);
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "streamgrad-dashboard-flink-rest");
              t.setDaemon(true);
              return t;
            });
    poller.scheduleWithFixedDelay(this::poll, 0, POLL_SECONDS, TimeUnit.SECONDS);
  }

  private void poll() {
    try {
      int sum = 0;
      for (JsonNode job : rest.get("/jobs/overview").path("jobs")) {
        String state = job.path("state").asText();
        if (state.equals("FINISHED") || state.equals("CANCELED")) {
          continue;
        }
        String v = rest.jobMetric(job.path("jid").asText(), "numRestarts");
        if (v != null && !v.isEmpty()) {
          sum += (int) Double.parseDouble(v);
        }
      }
      restarts = sum;
      warned = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      restarts = -1;
      if (!warned) {
        warned = true;
        LOG.warn("dashboard: cannot read the Flink REST API: {}", e.toString());
      }
    }
  }

  @Override
  public int getAsInt() {
    return restarts;
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
