package io.streamgrad.online.snapshot;

import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Snapshots kept in a file, read in order: either an Avro object container file of {@link
 * WeightSnapshot} records (what any Avro library writes), or snapshot records as the snapshot topic
 * holds them, single-object encoded and back to back (what {@code kcat -C -t snapshots -e -f '%s'}
 * writes). A sparse model needs its updates from its last full one on.
 */
public final class SnapshotFile {
  private static final byte[] CONTAINER = {'O', 'b', 'j', 1};

  private SnapshotFile() {}

  /**
   * Gives every snapshot of {@code file} to {@code each}, in order; returns how many.
   *
   * @throws IOException naming the file and the record that could not be read
   */
  public static long read(Path file, Consumer<WeightSnapshot> each) throws IOException {
    AvroTrust.install(); // the classes a snapshot holds
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      in.mark(CONTAINER.length);
      byte[] head = in.readNBytes(CONTAINER.length);
      in.reset();
      if (java.util.Arrays.equals(head, CONTAINER)) {
        return readContainer(in, each);
      }
      return readRecords(file, in, each);
    }
  }

  private static long readContainer(InputStream in, Consumer<WeightSnapshot> each)
      throws IOException {
    long n = 0;
    try (DataFileStream<WeightSnapshot> records =
        new DataFileStream<>(in, new SpecificDatumReader<>(WeightSnapshot.class))) {
      for (WeightSnapshot s : records) {
        each.accept(s);
        n++;
      }
    }
    return n;
  }

  private static long readRecords(Path file, InputStream in, Consumer<WeightSnapshot> each)
      throws IOException {
    BinaryMessageDecoder<WeightSnapshot> decoder =
        WeightSnapshot.createDecoder(KnownSchemas.released());
    long n = 0;
    while (true) {
      in.mark(1);
      if (in.read() < 0) {
        return n;
      }
      in.reset();
      try {
        each.accept(decoder.decode(in));
      } catch (IOException | RuntimeException e) {
        throw new IOException(
            file
                + ": record "
                + (n + 1)
                + " is not a snapshot (neither an Avro container file nor snapshot records back"
                + " to back): "
                + e.getMessage(),
            e);
      }
      n++;
    }
  }
}
