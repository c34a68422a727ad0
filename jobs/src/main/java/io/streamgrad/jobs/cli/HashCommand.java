package io.streamgrad.jobs.cli;

import io.streamgrad.schemas.FeatureHashing;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Where the job puts each token, to check a producer's own hashing against. */
@Command(
    name = "hash",
    mixinStandardHelpOptions = true,
    description = {
      "Print TOKEN<tab>INDEX for each token: where a model of 2^B coordinates puts it.",
      "INDEX = murmur3_32(UTF-8 bytes, seed 0) mod 2^B, unsigned; in Python:"
          + " sklearn.utils.murmurhash3_32(token, seed=0, positive=True) %% 2**B."
    })
public final class HashCommand implements Callable<Integer> {

  @Option(
      names = "--hash-bits",
      paramLabel = "B",
      description = "The model's space is 2^B coordinates (1..30). Default: ${DEFAULT-VALUE}.")
  int hashBits = FeatureHashing.DEFAULT_BITS;

  @Parameters(paramLabel = "TOKEN", arity = "1..*", description = "Tokens, e.g. site=news.example.")
  List<String> tokens;

  @Override
  public Integer call() {
    Check.inRange("--hash-bits", hashBits, 1, FeatureHashing.MAX_BITS, false);
    StringBuilder out = new StringBuilder();
    for (String token : tokens) {
      out.append(token).append('\t').append(FeatureHashing.index(token, hashBits)).append('\n');
    }
    System.out.print(out);
    System.out.flush();
    return 0;
  }
}
