package io.streamgrad.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/cli/ is what the code says: every command's page, no page of a command that is gone. With
 * {@code -Dstreamgrad.docs.update=true} the test rewrites the pages instead of comparing.
 */
class CliReferenceTest {

  static final Path DIR = Path.of("..", "docs", "cli");

  @Test
  void theReferenceIsGeneratedFromTheAnnotations() throws Exception {
    Map<String, String> pages = CliReference.pages();
    if (Boolean.getBoolean("streamgrad.docs.update")) {
      CliReference.main(new String[] {DIR.toString()});
    }
    for (Map.Entry<String, String> page : pages.entrySet()) {
      Path file = DIR.resolve(page.getKey());
      assertTrue(
          Files.exists(file),
          file
              + " is missing: run mvn -pl jobs test -Dtest=CliReferenceTest"
              + " -Dstreamgrad.docs.update=true");
      assertEquals(
          page.getValue(),
          Files.readString(file, StandardCharsets.UTF_8),
          file
              + " differs from the code's --help: run mvn -pl jobs test -Dtest=CliReferenceTest"
              + " -Dstreamgrad.docs.update=true");
    }
    Set<String> onDisk;
    try (Stream<Path> files = Files.list(DIR)) {
      onDisk =
          files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(new TreeSet<>(pages.keySet()), onDisk, "a page of a command that does not exist");
  }
}
