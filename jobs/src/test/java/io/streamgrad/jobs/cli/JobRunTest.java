package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** A stop right after a start is tried again; any other failed savepoint is not. */
class JobRunTest {

  @Test
  void aSavepointRefusedForTasksNotRunningYetIsTriedAgain() {
    assertTrue(
        JobRun.tasksNotRunningYet(
            new ExecutionException(
                new IllegalStateException(
                    "Checkpoint triggering task OnlineTrainer (1/2) of job 1 is not being executed"
                        + " at the moment. Aborting checkpoint. Failure reason: Not all required"
                        + " tasks are currently running."))));
    assertFalse(
        JobRun.tasksNotRunningYet(
            new ExecutionException(new java.io.IOException("Permission denied: /savepoints"))));
  }
}
