package io.streamgrad.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.export.onnx.OnnxExporter.Standardization;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.online.snapshot.ServedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX's own checker (Debian's python3-onnx, with full shape inference) accepts the file of every
 * model kind.
 */
class OnnxCheckerTest {
  static final String PYTHON = "/usr/bin/python3";

  @Test
  void onnxsCheckerAcceptsEveryKind(@TempDir Path dir) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(PYTHON);
    command.add("-c");
    command.add(
        "import sys, onnx\n"
            + "for f in sys.argv[1:]:\n"
            + "    onnx.checker.check_model(onnx.load(f), full_check=True)\n"
            + "    print('ok', f)\n");
    long seed = 1;
    for (ModelSpec spec : ExportFixtures.everyKind()) {
      for (Standardization mode : Standardization.values()) {
        if (mode == Standardization.FOLDED && spec.kind().equals(ModelSpec.CLASS)) {
          continue;
        }
        ServedModel model = ExportFixtures.model("m" + seed, spec, spec.features() > 0, seed);
        Path file = dir.resolve("m" + seed++ + ".onnx");
        OnnxExporter.create().standardization(mode).write(model, file);
        command.add(file.toString());
      }
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the checker did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(
        0,
        p.exitValue(),
        "onnx.checker refused a file (python3-onnx is a Debian package: .ci/run installs it):\n"
            + out);
    assertEquals(command.size() - 3, out.lines().filter(l -> l.startsWith("ok ")).count(), out);
    assertTrue(Files.list(dir).noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));
  }
}
