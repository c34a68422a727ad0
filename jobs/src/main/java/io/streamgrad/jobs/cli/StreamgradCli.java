package io.streamgrad.jobs.cli;

import io.streamgrad.schemas.AvroTrust;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java --add-modules jdk.incubator.vector -jar jobs/target/streamgrad.jar <command>}. */
@Command(
    name = "streamgrad",
    mixinStandardHelpOptions = true,
    version = "streamgrad 0.1.0",
    description = "Online gradient descent on Kafka streams with Flink.",
    subcommands = {TrainCommand.class, ProduceCommand.class, WatchCommand.class, LocalCommand.class, BenchCommand.class, ClusterCommand.class})
public final class StreamgradCli implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    AvroTrust.install();
    System.exit(new CommandLine(new StreamgradCli()).execute(args));
  }
}
