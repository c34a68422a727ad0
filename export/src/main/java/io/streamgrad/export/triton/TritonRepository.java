package io.streamgrad.export.triton;

import io.streamgrad.export.onnx.OnnxExporter;
import io.streamgrad.export.onnx.proto.OnnxProto.ModelProto;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.online.snapshot.ServedModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Triton model repository of streamgrad models, one ONNX file per version, as Triton documents
 * it: {@code <root>/<model>/config.pbtxt} and {@code <root>/<model>/<version>/model.onnx}, the
 * version directory named by the snapshot's version.
 *
 * <p>Nothing half-written is ever visible: a version is written in a staging directory under the
 * root, flushed to disk, and renamed into place in one step (a new model's whole directory, config
 * and first version, likewise); the config is replaced by a rename. A staging directory left by a
 * writer that died is removed when the repository is opened again. The newest {@code keep} versions
 * of each model are kept, older ones removed after the new one is in place.
 *
 * <p>One writer per repository.
 */
public final class TritonRepository {
  /** Where versions are written before they are renamed into place. */
  public static final String STAGING = ".streamgrad-staging";

  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]*");
  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private final Path root;
  private final OnnxExporter exporter;
  private final int keep;
  private final int maxBatchSize;
  private final ModelFileWriter writer;

  /** How a version's ONNX bytes reach their file; tests inject failures here. */
  @FunctionalInterface
  public interface ModelFileWriter {
    void write(ModelProto model, OutputStream out) throws IOException;
  }

  private TritonRepository(Builder b) throws IOException {
    this.root = b.root.toAbsolutePath();
    this.exporter = b.exporter;
    this.keep = b.keep;
    this.maxBatchSize = b.maxBatchSize;
    this.writer = b.writer;
    Files.createDirectories(root);
    deleteTree(root.resolve(STAGING)); // what a writer that died left
  }

  public static Builder builder(Path root) {
    return new Builder(root);
  }

  public Path root() {
    return root;
  }

  /**
   * Triton's name for {@code modelId}: the id itself when it is a plain name ({@code
   * [A-Za-z0-9_.-]} and not starting with a dot), else the id with every other character replaced
   * by {@code _} and a hash of the id appended (two ids never share a directory).
   */
  public static String modelName(String modelId) {
    if (PLAIN_NAME.matcher(modelId).matches() && !modelId.startsWith(".")) {
      return modelId;
    }
    String plain = modelId.replaceAll("[^A-Za-z0-9_.-]", "_").replaceFirst("^\\.", "_");
    return plain + "-" + String.format("%08x", modelId.hashCode());
  }

  /** The versions of {@code modelId} in the repository, oldest first. */
  public List<Long> versions(String modelId) throws IOException {
    Path dir = root.resolve(modelName(modelId));
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> VERSION.matcher(n).matches())
          .map(Long::parseLong)
          .sorted()
          .toList();
    }
  }

  /** The newest version of {@code modelId} in the repository, if any. */
  public OptionalLong newestVersion(String modelId) throws IOException {
    List<Long> v = versions(modelId);
    return v.isEmpty() ? OptionalLong.empty() : OptionalLong.of(v.get(v.size() - 1));
  }

  /**
   * Adds {@code model}'s version (nothing when the repository has it already) and removes the
   * versions beyond the newest {@code keep}; returns the version's directory.
   *
   * @throws io.streamgrad.export.onnx.UnsupportedModelException when the model cannot be exported
   */
  public Path add(ServedModel model) throws IOException {
    String name = modelName(model.modelId());
    Path modelDir = root.resolve(name);
    Path versionDir = modelDir.resolve(Long.toString(model.version()));
    if (Files.isDirectory(versionDir)) {
      return versionDir;
    }
    ModelProto proto = exporter.export(model); // after the check: a 2^20 FM takes ~17 ms
    String config = config(name, model);
    Path staging = root.resolve(STAGING);
    Files.createDirectories(staging);
    try {
      if (!Files.isDirectory(modelDir)) {
        Path stagedModel = staging.resolve(name);
        deleteTree(stagedModel);
        writeVersion(stagedModel.resolve(Long.toString(model.version())), proto);
        writeFile(stagedModel.resolve("config.pbtxt"), config);
        Files.move(stagedModel, modelDir, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Path configFile = modelDir.resolve("config.pbtxt");
        if (!Files.isRegularFile(configFile) || !Files.readString(configFile).equals(config)) {
          Path staged = staging.resolve(name + ".config.pbtxt");
          writeFile(staged, config);
          Files.move(
              staged,
              configFile,
              StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        }
        Path stagedVersion = staging.resolve(name + "-" + model.version());
        deleteTree(stagedVersion);
        writeVersion(stagedVersion, proto);
        Files.move(stagedVersion, versionDir, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      deleteTree(staging); // empty unless this write failed
    }
    List<Long> versions = versions(model.modelId());
    for (int i = 0; i < versions.size() - keep; i++) {
      deleteTree(modelDir.resolve(Long.toString(versions.get(i))));
    }
    return versionDir;
  }

  private void writeVersion(Path dir, ModelProto proto) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("model.onnx");
    try (OutputStream out = Files.newOutputStream(file)) {
      writer.write(proto, out);
    }
    sync(file);
  }

  private static void writeFile(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    sync(file);
  }

  private static void sync(Path file) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.force(true);
    }
  }

  /** The model's {@code config.pbtxt} for Triton's ONNX Runtime backend. */
  String config(String name, ServedModel model) {
    ModelSpec spec = model.predictor().spec();
    boolean batched = maxBatchSize > 0;
    List<String> inputs = new ArrayList<>();
    if (spec.features() > 0) {
      inputs.add(
          tensor(
              OnnxExporter.FEATURES,
              "TYPE_FP32",
              batched ? "" + spec.features() : "-1, " + spec.features(),
              null));
    }
    if (spec.sparse()) {
      inputs.add(tensor(OnnxExporter.INDICES, "TYPE_INT64", batched ? "-1" : "-1, -1", null));
      inputs.add(tensor(OnnxExporter.VALUES, "TYPE_FP32", batched ? "-1" : "-1, -1", null));
    }
    // Triton leaves the batch dimension out of dims; an output of shape [batch] is then [1]
    // reshaped to [] (its documented way for a scalar per request).
    String output =
        batched
            ? tensor(OnnxExporter.PREDICTION, "TYPE_FP32", "1", "  reshape: { shape: [ ] }\n")
            : tensor(OnnxExporter.PREDICTION, "TYPE_FP32", "-1", null);
    return "# Written by streamgrad for model "
        + model.modelId()
        + " ("
        + spec
        + ").\n"
        + "name: \""
        + name
        + "\"\n"
        + "backend: \"onnxruntime\"\n"
        + "max_batch_size: "
        + maxBatchSize
        + "\n"
        + "input [\n"
        + String.join(",\n", inputs)
        + "\n]\n"
        + "output [\n"
        + output
        + "\n]\n"
        + "version_policy: { latest: { num_versions: 1 } }\n"
        + (batched ? "dynamic_batching { }\n" : "")
        + "parameters: { key: \"streamgrad.model_id\" value: { string_value: \""
        + model.modelId().replace("\\", "\\\\").replace("\"", "\\\"")
        + "\" } }\n";
  }

  private static String tensor(String name, String type, String dims, String extra) {
    return "  {\n    name: \""
        + name
        + "\"\n    data_type: "
        + type
        + "\n    dims: [ "
        + dims
        + " ]\n"
        + (extra == null ? "" : "  " + extra)
        + "  }";
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path each : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(each);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Validated settings; {@link #build()} opens (and cleans) the repository. */
  public static final class Builder {
    private final Path root;
    private OnnxExporter exporter = OnnxExporter.create();
    private int keep = 3;
    private int maxBatchSize = 1024;
    private ModelFileWriter writer = (m, out) -> m.writeTo(out);

    private Builder(Path root) {
      if (root == null) {
        throw new IllegalArgumentException("a Triton repository needs a directory");
      }
      this.root = root;
    }

    /** How models are exported (default {@link OnnxExporter#create()}). */
    public Builder exporter(OnnxExporter exporter) {
      this.exporter = exporter;
      return this;
    }

    /** Versions kept per model, newest first (default 3). */
    public Builder keep(int versions) {
      if (versions < 1) {
        throw new IllegalArgumentException("keep at least one version, got " + versions);
      }
      this.keep = versions;
      return this;
    }

    /** Triton's {@code max_batch_size}, with dynamic batching; 0 for none (default 1024). */
    public Builder maxBatchSize(int size) {
      if (size < 0) {
        throw new IllegalArgumentException("max batch size must not be negative, got " + size);
      }
      this.maxBatchSize = size;
      return this;
    }

    /** How ONNX bytes are written to a file (for tests that inject failures). */
    public Builder fileWriter(ModelFileWriter writer) {
      this.writer = writer;
      return this;
    }

    public TritonRepository build() throws IOException {
      return new TritonRepository(this);
    }
  }
}
