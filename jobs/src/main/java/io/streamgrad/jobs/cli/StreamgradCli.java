package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.schemas.AvroTrust;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** {@code java --add-modules jdk.incubator.vector -jar jobs/target/streamgrad.jar <command>}. */
@Command(
    name = "streamgrad",
    mixinStandardHelpOptions = true,
    version = "streamgrad 0.1.0",
    description = "Online gradient descent on Kafka streams with Flink.",
    subcommands = {
      TrainCommand.class,
      PredictCommand.class,
      ProduceCommand.class,
      WatchCommand.class,
      ExportCommand.class,
      LocalCommand.class,
      BenchCommand.class,
      ClusterCommand.class,
      SchemasCommand.class,
      HashCommand.class,
      CatCommand.class,
      DashboardCommand.class
    })
public final class StreamgradCli implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    AvroTrust.install();
    System.exit(commandLine(new StreamgradCli()).execute(args));
  }

  /**
   * The command line for {@code command} with streamgrad's error handling: a refused option or an
   * unreachable Kafka is one line on stderr (exit 2 for usage errors, 1 otherwise); any other
   * failure is one line with its root cause, and a stack trace only with {@code --verbose}.
   */
  public static CommandLine commandLine(Object command) {
    CommandLine cli = new CommandLine(command);
    cli.setExecutionExceptionHandler(StreamgradCli::onFailure);
    cli.setParameterExceptionHandler(StreamgradCli::onBadArguments);
    return cli;
  }

  private static int onBadArguments(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    err.println(name + ": " + e.getMessage());
    err.println("Try '" + name + " --help' for the options.");
    err.flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  private static int onFailure(Exception e, CommandLine cmd, ParseResult full) {
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    boolean verbose =
        cmd.getParseResult() != null && cmd.getParseResult().hasMatchedOption("--verbose");
    int code;
    if (e instanceof BadOption) {
      err.println(name + ": " + e.getMessage());
      err.println("Try '" + name + " --help' for the options.");
      code = cmd.getCommandSpec().exitCodeOnInvalidInput();
    } else if (e instanceof KafkaPreflight.KafkaUnavailableException) {
      err.println(name + ": " + e.getMessage());
      code = cmd.getCommandSpec().exitCodeOnExecutionException();
    } else {
      err.println(name + " failed: " + Failures.describe(e));
      code = cmd.getCommandSpec().exitCodeOnExecutionException();
    }
    if (verbose) {
      e.printStackTrace(err);
    } else if (!(e instanceof BadOption)
        && !(e instanceof KafkaPreflight.KafkaUnavailableException)) {
      err.println("(--verbose prints the stack trace)");
    }
    err.flush();
    return code;
  }
}
