package io.streamgrad.jobs.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restart finds in a job's directories, as Flink leaves them. */
class JobStatesTest {
  @TempDir Path dir;

  private RuntimeSettings.StateDirectories dirs() {
    return RuntimeSettings.builder()
        .checkpointDir(dir.resolve("checkpoints").toString())
        .jobName("j")
        .build()
        .directories(new org.apache.flink.configuration.Configuration());
  }

  /** A complete state: a directory with its {@code _metadata}, written {@code at}. */
  private Path state(String relative, long at) throws Exception {
    Path d = dir.resolve(relative);
    Files.createDirectories(d);
    Path m = Files.writeString(d.resolve("_metadata"), "x");
    Files.setLastModifiedTime(m, FileTime.from(Instant.ofEpochMilli(at)));
    return d;
  }

  @Test
  void theNewestCompleteStateWinsAndTheOthersGo() throws Exception {
    long now = System.currentTimeMillis();
    Path oldRun = state("checkpoints/j/run-a/chk-7", now - 60_000);
    Files.createDirectories(dir.resolve("checkpoints/j/run-a/shared"));
    Path savepoint = state("savepoints/j/savepoint-1-abc", now - 30_000);
    Path newest = state("checkpoints/j/run-b/chk-3", now - 1_000);
    Files.createDirectories(dir.resolve("checkpoints/j/run-b/chk-4")); // in progress: no metadata
    state("checkpoints/other/run-c/chk-9", now); // another job's

    JobStates states = JobStates.in(dirs());
    JobStates.State found = states.newest().orElseThrow();
    assertEquals(newest, Path.of(java.net.URI.create(found.path())));
    assertEquals(JobStates.Kind.CHECKPOINT, found.kind());
    assertEquals(2, states.deleteAllBut(found));
    assertFalse(Files.exists(oldRun.getParent()), "the earlier run, shared files and all");
    assertFalse(Files.exists(savepoint));
    assertTrue(Files.exists(newest));
    assertTrue(Files.exists(dir.resolve("checkpoints/other/run-c/chk-9")), "not this job's");
  }

  @Test
  void nothingIsFoundWhereNothingWasLeft() throws Exception {
    assertTrue(JobStates.in(dirs()).newest().isEmpty());
    state("checkpoints/j/run-a/chk-1", 0).resolve("_metadata").toFile().delete();
    assertTrue(JobStates.in(dirs()).newest().isEmpty(), "a checkpoint without its metadata");
  }

  @Test
  void aJobSaysWhatItIs() throws Exception {
    assertNull(JobStates.identity(dirs()));
    JobStates.writeIdentity(dirs(), "samples=a snapshots=b");
    assertEquals("samples=a snapshots=b", JobStates.identity(dirs()));
    JobStates.writeIdentity(dirs(), "samples=c snapshots=b");
    assertEquals("samples=c snapshots=b", JobStates.identity(dirs()));
  }
}
