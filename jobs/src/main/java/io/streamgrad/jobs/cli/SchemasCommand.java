package io.streamgrad.jobs.cli;

import io.streamgrad.schemas.KnownSchemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Every wire schema standalone (referenced records inlined, ready for any Avro library), with what
 * a producer in another language needs to check its encoder against: the fingerprint, the 10-byte
 * single-object header and the Parsing Canonical Form. The same files are in the jar, under {@code
 * io/streamgrad/schemas/released/}.
 */
@Command(
    name = "schemas",
    mixinStandardHelpOptions = true,
    description =
        "Print every wire schema standalone with its fingerprint, single-object header and canonical form.")
public final class SchemasCommand implements Callable<Integer> {

  @Option(
      names = "--all-versions",
      description = "Every released version, not only the newest of each record.")
  boolean allVersions;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Also write each schema to DIR/Name-N.avsc.")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (out != null) {
      Files.createDirectories(out);
    }
    for (String name : names(allVersions)) {
      String text = KnownSchemas.releasedText(name);
      Schema schema = new Schema.Parser().parse(text);
      long fingerprint = KnownSchemas.fingerprint(schema);
      System.out.println("# " + name + " (" + schema.getFullName() + ")");
      System.out.println(
          "# fingerprint (CRC-64-AVRO of the Parsing Canonical Form): "
              + fingerprint
              + " (as a signed long), "
              + HexFormat.of().formatHex(littleEndian(fingerprint))
              + " (the 8 bytes, little-endian, as written)");
      System.out.println("# single-object header: " + header(fingerprint));
      System.out.println("# canonical form: " + SchemaNormalization.toParsingForm(schema));
      System.out.println(text.strip());
      System.out.println();
      if (out != null) {
        Files.writeString(out.resolve(name + ".avsc"), text, StandardCharsets.UTF_8);
      }
    }
    return 0;
  }

  /** The released versions to print: all, or the newest of each record. */
  static List<String> names(boolean all) {
    if (all) {
      return KnownSchemas.releasedNames();
    }
    Map<String, String> newest = new LinkedHashMap<>();
    for (String n : KnownSchemas.releasedNames()) {
      newest.put(n.substring(0, n.lastIndexOf('-')), n); // oldest first: the last one stays
    }
    return new ArrayList<>(newest.values());
  }

  /** The 10 bytes every single-object-encoded record of this schema starts with, in hex. */
  static String header(long fingerprint) {
    byte[] h = new byte[10];
    h[0] = (byte) 0xC3;
    h[1] = 0x01;
    System.arraycopy(littleEndian(fingerprint), 0, h, 2, 8);
    return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(h);
  }

  private static byte[] littleEndian(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }
}
