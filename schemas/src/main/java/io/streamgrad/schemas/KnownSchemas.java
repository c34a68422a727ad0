package io.streamgrad.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * The writer schemas a reader can resolve, by fingerprint: every released version of each
 * streamgrad schema (standalone {@code .avsc} files under {@code released/}, named {@code
 * Name-N.avsc}; the newest is what the generated classes are built from), plus the newer or older
 * ones producers announce ({@link #with}). Immutable.
 */
public final class KnownSchemas implements SchemaStore {

  /**
   * Every released version, oldest first per record; a new version of a schema adds its file here.
   */
  static final List<String> RELEASED =
      List.of(
          "Sample-1",
          "Sample-2",
          "WeightSnapshot-1",
          "WeightSnapshot-2",
          "WeightSnapshot-3",
          "WeightSnapshot-4",
          "DeadLetter-1",
          "DeadLetter-2",
          "PredictionRequest-1",
          "PredictionRequest-2",
          "Prediction-1",
          "Prediction-2",
          "DriftEvent-1",
          "Label-1",
          "FeedbackReport-1");

  private static final KnownSchemas RELEASED_SCHEMAS = new KnownSchemas(loadReleased());

  private final Map<Long, Schema> byFingerprint;

  private KnownSchemas(Map<Long, Schema> byFingerprint) {
    this.byFingerprint = Collections.unmodifiableMap(byFingerprint);
  }

  /** Every released version's name ({@code Name-N}), oldest first per record. */
  public static List<String> releasedNames() {
    return RELEASED;
  }

  /** The released versions of streamgrad's schemas. */
  public static KnownSchemas released() {
    return RELEASED_SCHEMAS;
  }

  /**
   * These schemas and {@code writer}, which must be a version of a released record (same full name)
   * whose data the current reader can read.
   *
   * @throws IllegalArgumentException naming the record and the incompatibility otherwise
   */
  public KnownSchemas with(Schema writer) {
    Schema reader = current(writer.getFullName());
    if (reader == null) {
      throw new IllegalArgumentException(
          "writer schema "
              + writer.getFullName()
              + " is not a version of a streamgrad schema "
              + names());
    }
    var compat = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (compat.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      throw new IllegalArgumentException(
          "writer schema of "
              + writer.getFullName()
              + " cannot be read by this version: "
              + compat.getDescription());
    }
    Map<Long, Schema> m = new LinkedHashMap<>(byFingerprint);
    m.put(fingerprint(writer), writer);
    return new KnownSchemas(m);
  }

  @Override
  public Schema findByFingerprint(long fingerprint) {
    return byFingerprint.get(fingerprint);
  }

  /** Every known version of record {@code fullName}, in the order they were added. */
  public List<Schema> versions(String fullName) {
    List<Schema> out = new ArrayList<>();
    for (Schema s : byFingerprint.values()) {
      if (s.getFullName().equals(fullName)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The newest released version of {@code fullName}, or null. */
  private Schema current(String fullName) {
    List<Schema> v = RELEASED_SCHEMAS.versions(fullName);
    return v.isEmpty() ? null : v.get(v.size() - 1);
  }

  private List<String> names() {
    return byFingerprint.values().stream().map(Schema::getFullName).distinct().toList();
  }

  /**
   * The CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form: what single-object headers
   * carry.
   */
  public static long fingerprint(Schema s) {
    return SchemaNormalization.parsingFingerprint64(s);
  }

  /** A released version's text, e.g. {@code released("Sample-1")}. */
  public static String releasedText(String name) {
    try (InputStream in = KnownSchemas.class.getResourceAsStream("released/" + name + ".avsc")) {
      if (in == null) {
        throw new IllegalStateException(
            "released schema " + name + ".avsc is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<Long, Schema> loadReleased() {
    Map<Long, Schema> m = new LinkedHashMap<>();
    for (String name : RELEASED) {
      Schema s = new Schema.Parser().parse(releasedText(name));
      m.put(fingerprint(s), s);
    }
    return m;
  }
}
