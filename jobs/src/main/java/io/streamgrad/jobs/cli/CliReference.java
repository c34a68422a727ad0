package io.streamgrad.jobs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The CLI reference, generated from the picocli annotations: one Markdown page per command (its
 * {@code --help}, and its subcommands') and an index. The build checks that {@code docs/cli/} holds
 * exactly this ({@code CliReferenceTest}), so the reference cannot drift from the code: {@code java
 * -cp streamgrad.jar io.streamgrad.jobs.cli.CliReference docs/cli} rewrites it.
 */
public final class CliReference {

  /** The width the usage texts are laid out in (a terminal's). */
  static final int WIDTH = 100;

  private CliReference() {}

  /** Every page, by file name. */
  public static Map<String, String> pages() {
    CommandLine root = new CommandLine(new StreamgradCli());
    Map<String, String> pages = new LinkedHashMap<>();
    StringBuilder index = new StringBuilder();
    index
        .append("# Command reference\n\n")
        .append("Generated from the code (`CliReference`); the build fails if it differs. The\n")
        .append("guide to the commands is [../cli.md](../cli.md).\n\n")
        .append("```text\n")
        .append(usage(root))
        .append("```\n\n");
    for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
      String name = e.getKey();
      CommandLine cmd = e.getValue();
      index
          .append("- [`streamgrad ")
          .append(name)
          .append("`](")
          .append(name)
          .append(".md): ")
          .append(String.join(" ", cmd.getCommandSpec().usageMessage().description()))
          .append('\n');
      StringBuilder page = new StringBuilder();
      page(page, cmd, "#");
      pages.put(name + ".md", page.toString());
    }
    pages.put("README.md", index.toString());
    return pages;
  }

  private static void page(StringBuilder out, CommandLine cmd, String heading) {
    out.append(heading)
        .append(' ')
        .append(cmd.getCommandSpec().qualifiedName())
        .append("\n\n```text\n")
        .append(usage(cmd))
        .append("```\n");
    for (CommandLine sub : cmd.getSubcommands().values()) {
      out.append('\n');
      page(out, sub, heading + "#");
    }
  }

  private static String usage(CommandLine cmd) {
    cmd.setUsageHelpWidth(WIDTH);
    String text = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
    StringBuilder trimmed = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      trimmed.append(line.stripTrailing()).append('\n');
    }
    return trimmed.toString().stripTrailing() + "\n";
  }

  /** Writes every page into the directory {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "docs/cli");
    Files.createDirectories(dir);
    for (Map.Entry<String, String> p : pages().entrySet()) {
      Files.writeString(dir.resolve(p.getKey()), p.getValue(), StandardCharsets.UTF_8);
    }
  }
}
