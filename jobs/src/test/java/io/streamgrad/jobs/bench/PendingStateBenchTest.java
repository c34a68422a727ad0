package io.streamgrad.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.jobs.graph.RuntimeSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pending-state bench measures what it says, small: its state grows with pending events. */
class PendingStateBenchTest {

  @Test
  void theStateOfPendingEventsIsReadFromCompletedCheckpoints(@TempDir Path dir) throws Exception {
    List<PendingStateBench.Row> rows =
        new PendingStateBench(dir, 500).run(RuntimeSettings.StateBackend.ROCKSDB, 30_000, 10);
    PendingStateBench.Row last = rows.get(rows.size() - 1);
    assertEquals(30_000, last.pending(), "the last checkpoint holds every event");
    // A pending event is its 16 features, answer, version and request id: tens of bytes in RocksDB.
    double perEvent = (double) last.stateBytes() / last.pending();
    assertTrue(perEvent > 10 && perEvent < 1_000, "bytes per pending event: " + perEvent);
    PendingStateBench.Row first = rows.get(0);
    if (first.pending() > 0 && first.pending() < last.pending() / 2) {
      assertTrue(first.stateBytes() < last.stateBytes(), rows.toString());
    }
    assertTrue(last.heapUsedBytes() > 0 && last.residentBytes() != 0, last.toString());
  }
}
