package io.streamgrad.jobs.graph;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The states a job left behind in its directories ({@link RuntimeSettings.StateDirectories}): the
 * retained checkpoints of its earlier runs ({@code <checkpoints>/<job id>/chk-N}) and its
 * savepoints ({@code <savepoints>/savepoint-…}), each complete once its {@code _metadata} is
 * written. A restart resumes from the newest. Read through Flink's file systems, so a directory on
 * S3 or HDFS works as a local one does.
 */
public final class JobStates {

  /** One complete checkpoint or savepoint. */
  public record State(String path, Kind kind, long modifiedMillis) {
    /** How long ago it was written, for people. */
    public String age() {
      Duration d = Duration.between(Instant.ofEpochMilli(modifiedMillis), Instant.now());
      long s = Math.max(0, d.toSeconds());
      return s < 120 ? s + " s ago" : s < 7200 ? (s / 60) + " min ago" : (s / 3600) + " h ago";
    }

    @Override
    public String toString() {
      return kind.word + " " + path + " (" + age() + ")";
    }
  }

  /** Checkpoint or savepoint. */
  public enum Kind {
    CHECKPOINT("checkpoint"),
    SAVEPOINT("savepoint");

    final String word;

    Kind(String word) {
      this.word = word;
    }
  }

  private static final String METADATA = "_metadata";

  /** Beside a job's checkpoints: what the job is, so that another job never restores them. */
  private static final String IDENTITY = "job-identity";

  private final List<State> states;
  private final List<Path> runDirectories;

  private JobStates(List<State> states, List<Path> runDirectories) {
    this.states = states;
    this.runDirectories = runDirectories;
  }

  /** Every complete state in {@code dirs}, newest first; none when the directories do not exist. */
  public static JobStates in(RuntimeSettings.StateDirectories dirs) throws IOException {
    List<State> found = new ArrayList<>();
    List<Path> runs = new ArrayList<>();
    // <checkpoints>/<job id>/chk-N/_metadata
    for (FileStatus run : list(new Path(URI.create(dirs.checkpoints())))) {
      if (!run.isDir()) {
        continue;
      }
      runs.add(run.getPath());
      for (FileStatus chk : list(run.getPath())) {
        if (chk.isDir() && chk.getPath().getName().startsWith("chk-")) {
          complete(chk.getPath(), Kind.CHECKPOINT).ifPresent(found::add);
        }
      }
    }
    // <savepoints>/savepoint-…/_metadata
    for (FileStatus sp : list(new Path(URI.create(dirs.savepoints())))) {
      if (sp.isDir() && sp.getPath().getName().startsWith("savepoint-")) {
        complete(sp.getPath(), Kind.SAVEPOINT).ifPresent(found::add);
      }
    }
    found.sort(Comparator.comparingLong(State::modifiedMillis).reversed());
    return new JobStates(found, runs);
  }

  /** The newest complete checkpoint or savepoint. */
  public Optional<State> newest() {
    return states.isEmpty() ? Optional.empty() : Optional.of(states.get(0));
  }

  /**
   * Deletes every other state: the savepoints but {@code kept}, and the directories of the runs
   * that did not write it (their checkpoints with the files they share). A job restored from {@code
   * kept} never needs them: it restores in Flink's no-claim mode, so its first checkpoint is a full
   * one. Call it before the restored job starts, with {@code kept} the newest. Returns how many
   * states were deleted.
   */
  public int deleteAllBut(State kept) throws IOException {
    int deleted = 0;
    for (State s : states) {
      if (s.kind() == Kind.SAVEPOINT && !s.path().equals(kept.path())) {
        delete(s.path());
        deleted++;
      }
    }
    for (Path run : runDirectories) {
      String prefix = run.toUri().toString() + "/";
      if (!kept.path().startsWith(prefix)) {
        deleted += (int) states.stream().filter(s -> s.path().startsWith(prefix)).count();
        run.getFileSystem().delete(run, true);
      }
    }
    return deleted;
  }

  private static void delete(String uri) throws IOException {
    Path p = new Path(URI.create(uri));
    p.getFileSystem().delete(p, true);
  }

  /**
   * What the job that left these states said it was ({@link #writeIdentity}), or null: one line
   * such as {@code samples=s snapshots=t model=linear(16) optimizer=adam}.
   */
  public static String identity(RuntimeSettings.StateDirectories dirs) throws IOException {
    Path file = new Path(new Path(URI.create(dirs.checkpoints())), IDENTITY);
    FileSystem fs = file.getFileSystem();
    if (!fs.exists(file)) {
      return null;
    }
    try (var in = fs.open(file)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    }
  }

  /** Records what the job now using {@code dirs} is. */
  public static void writeIdentity(RuntimeSettings.StateDirectories dirs, String identity)
      throws IOException {
    Path dir = new Path(URI.create(dirs.checkpoints()));
    FileSystem fs = dir.getFileSystem();
    fs.mkdirs(dir);
    try (var out = fs.create(new Path(dir, IDENTITY), FileSystem.WriteMode.OVERWRITE)) {
      out.write((identity + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  private static Optional<State> complete(Path dir, Kind kind) throws IOException {
    Path metadata = new Path(dir, METADATA);
    FileSystem fs = metadata.getFileSystem();
    if (!fs.exists(metadata)) {
      return Optional.empty(); // in progress, or abandoned half-way
    }
    return Optional.of(
        new State(dir.toUri().toString(), kind, fs.getFileStatus(metadata).getModificationTime()));
  }

  /** Only the directory's subdirectories, and nothing for a directory that does not exist. */
  private static List<FileStatus> list(Path dir) throws IOException {
    FileSystem fs = dir.getFileSystem();
    if (!fs.exists(dir)) {
      return List.of();
    }
    FileStatus[] entries = fs.listStatus(dir);
    List<FileStatus> dirs = new ArrayList<>();
    if (entries != null) {
      for (FileStatus e : entries) {
        if (e.isDir()) {
          dirs.add(e);
        }
      }
    }
    return dirs;
  }
}
