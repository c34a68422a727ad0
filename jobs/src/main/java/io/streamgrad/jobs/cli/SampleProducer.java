package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.demo.CorruptRecords;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.format.JsonSamples;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.schemas.PredictionRequest;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WireFormat;
import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Writes samples (or prediction requests) to Kafka, keyed by model id: synthetic ones (the
 * tutorial's data, optionally with bad records mixed in) or rows of a CSV file. Used by {@code
 * produce} and {@code local}. Stops and fails at the first record Kafka refuses, with the count
 * written; never waits for ever.
 */
final class SampleProducer {
  private SampleProducer() {}

  /** What was produced; with synthetic data, each model's true weights and bias at the end. */
  record Result(
      long produced,
      long corrupted,
      Map<String, float[]> trueWeights,
      Map<String, Float> trueBias,
      Map<String, PrequentialMetrics> trueModel) {
    Result(long produced, long corrupted, Map<String, float[]> w, Map<String, Float> b) {
      this(produced, corrupted, w, b, Map.of());
    }
  }

  static Result produce(
      KafkaOptions kafka,
      SyntheticDataOptions data,
      int features,
      Path csv,
      String csvModelId,
      double rate,
      PrintStream progressOut)
      throws Exception {
    return produce(kafka, data, features, csv, csvModelId, rate, progressOut, false);
  }

  /** The same; with {@code json} the samples are written as JSON instead of Avro. */
  static Result produce(
      KafkaOptions kafka,
      SyntheticDataOptions data,
      int features,
      Path csv,
      String csvModelId,
      double rate,
      PrintStream progressOut,
      boolean json)
      throws Exception {
    long sent = 0;
    long start = System.nanoTime();
    SendErrors errors = new SendErrors();
    KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(producerSettings(kafka));
    try {
      if (csv != null) {
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
          String line;
          int lineNumber = 0;
          while ((line = in.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
              continue;
            }
            String[] cells = line.split(",");
            List<Float> x = new ArrayList<>(cells.length);
            try {
              for (String cell : cells) {
                x.add(Float.parseFloat(cell.trim()));
              }
            } catch (NumberFormatException e) {
              if (lineNumber == 1) {
                continue; // a header
              }
              // A row that is not numbers is an error, never skipped silently.
              throw new IllegalArgumentException(
                  csv + " line " + lineNumber + " is not a row of numbers: " + line, e);
            }
            float y = x.remove(x.size() - 1);
            errors.check(kafka.samplesTopic);
            send(
                producer,
                kafka.samplesTopic,
                Sample.newBuilder().setModelId(csvModelId).setFeatures(x).setLabel(y).build(),
                json,
                errors);
            pace(++sent, start, rate);
          }
        }
        producer.flush();
        errors.check(kafka.samplesTopic);
        return new Result(sent, 0, Map.of(), Map.of());
      }
      SyntheticData gen = data.generator(features);
      CorruptRecords corrupt = new CorruptRecords(data.seed + 1);
      SplittableRandom pick = new SplittableRandom(data.seed + 2);
      long corrupted = 0;
      Progress bar = new Progress(progressOut, data.samples);
      for (; sent < data.samples; sent++) {
        errors.check(kafka.samplesTopic);
        Sample s = gen.next();
        if (data.corruptFraction > 0 && pick.nextDouble() < data.corruptFraction) {
          CorruptRecords.Bad bad = corrupt.next(s);
          send(
              producer,
              new ProducerRecord<>(
                  kafka.samplesTopic, bad.key().getBytes(StandardCharsets.UTF_8), bad.value()),
              errors);
          corrupted++;
        } else {
          send(producer, kafka.samplesTopic, s, json, errors);
        }
        pace(sent + 1, start, rate);
        bar.update(sent + 1);
      }
      producer.flush();
      bar.done();
      errors.check(kafka.samplesTopic);
      return new Result(sent, corrupted, gen.trueWeights(), gen.trueBias(), gen.trueModelMetrics());
    } catch (IllegalStateException e) {
      throw givingUp(kafka, e);
    } finally {
      producer.close(kafka.kafkaTimeout); // a dead broker must not hold the command up either
    }
  }

  /** What a run of requests produced: their true outputs (noise-free), by request id. */
  record Requests(long produced, Map<String, Float> trueOutputs) {}

  /**
   * Writes {@code n} requests for the synthetic models of {@code data} (the same true weights as
   * its samples) to {@code topic}, keyed by model id.
   */
  static Requests produceRequests(
      KafkaOptions kafka,
      SyntheticDataOptions data,
      int features,
      String topic,
      long n,
      double rate,
      PrintStream progressOut)
      throws Exception {
    KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(producerSettings(kafka));
    SendErrors errors = new SendErrors();
    Map<String, Float> truth = new java.util.HashMap<>();
    try {
      SyntheticData gen = data.generatorAfterSamples(features);
      SplittableRandom rng = new SplittableRandom(data.seed + 3);
      Progress bar = new Progress(progressOut, n);
      long start = System.nanoTime();
      for (long i = 0; i < n; i++) {
        errors.check(topic);
        PredictionRequest r = gen.request(i, rng);
        truth.put(r.getRequestId(), gen.trueOutput(r));
        send(
            producer,
            new ProducerRecord<>(
                topic, r.getModelId().getBytes(StandardCharsets.UTF_8), WireFormat.encode(r)),
            errors);
        pace(i + 1, start, rate);
        bar.update(i + 1);
      }
      producer.flush();
      bar.done();
      errors.check(topic);
      return new Requests(n, truth);
    } catch (IllegalStateException e) {
      throw givingUp(kafka, e);
    } finally {
      producer.close(kafka.kafkaTimeout);
    }
  }

  /**
   * How long produce rides out a broker that stopped answering (Kafka's default delivery timeout):
   * sends wait and retry, then fail naming the broker. {@code --kafka-property
   * delivery.timeout.ms=…} changes it.
   */
  static final Duration OUTAGE_TOLERANCE = Duration.ofMinutes(2);

  /**
   * Producer settings that never wait for ever: a send that cannot complete fails within the
   * delivery timeout, and blocking for a full buffer or missing metadata waits as long.
   */
  static Properties producerSettings(KafkaOptions kafka) {
    Properties p = kafka.clientProperties();
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    long timeoutMs = kafka.kafkaTimeout.toMillis();
    p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMs));
    p.putIfAbsent(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        String.valueOf(Math.max(OUTAGE_TOLERANCE.toMillis(), 3 * timeoutMs)));
    p.putIfAbsent(
        ProducerConfig.MAX_BLOCK_MS_CONFIG,
        p.getProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
    return p;
  }

  /**
   * What a failed produce says: when Kafka cannot be reached now, that first (a timeout's own
   * message, e.g. "Topic … not present in metadata", blames the topic).
   */
  static RuntimeException givingUp(KafkaOptions kafka, RuntimeException e) {
    try (KafkaPreflight check = kafka.preflight()) {
      return e; // the broker answers: the cause is the record or the topic
    } catch (KafkaPreflight.KafkaUnavailableException unreachable) {
      return new KafkaPreflight.KafkaUnavailableException(
          "gave up: " + unreachable.getMessage() + " (" + e.getMessage() + ")");
    }
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      Sample s,
      boolean json,
      SendErrors errors) {
    send(
        producer,
        json
            ? new ProducerRecord<>(
                topic, s.getModelId().getBytes(StandardCharsets.UTF_8), JsonSamples.encode(s))
            : KafkaClients.record(topic, s),
        errors);
  }

  /**
   * A send that cannot even be queued (no metadata within max.block.ms) fails with the count
   * written.
   */
  static void send(
      KafkaProducer<byte[], byte[]> producer,
      ProducerRecord<byte[], byte[]> record,
      SendErrors errors) {
    try {
      producer.send(record, errors);
    } catch (KafkaException e) {
      throw new IllegalStateException(
          errors.written.get()
              + " records were written to '"
              + record.topic()
              + "' before Kafka stopped taking them: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Counts what Kafka accepted and refused, so that produce stops and fails instead of losing
   * records quietly.
   */
  static final class SendErrors implements Callback {
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Exception first;

    @Override
    public void onCompletion(RecordMetadata metadata, Exception e) {
      if (e == null) {
        written.incrementAndGet();
      } else if (failed.getAndIncrement() == 0) {
        first = e;
      }
    }

    /** Fails once any record was refused, naming how many were written. */
    void check(String topic) {
      if (failed.get() > 0) {
        throw new IllegalStateException(
            written.get()
                + " records were written to '"
                + topic
                + "' before Kafka refused one ("
                + failed.get()
                + " refused): "
                + first.getMessage(),
            first);
      }
    }
  }

  private static void pace(long sent, long startNanos, double rate) throws InterruptedException {
    if (rate <= 0) {
      return;
    }
    long due = startNanos + (long) (sent * 1e9 / rate);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  /** A one-line progress bar, redrawn at most every 2%. */
  static final class Progress {
    private final PrintStream out;
    private final long total;
    private int shown = -1;

    private final boolean terminal = System.console() != null;

    Progress(PrintStream out, long total) {
      this.out = out;
      this.total = Math.max(1, total);
    }

    void update(long done) {
      if (out == null) {
        return;
      }
      int pct = (int) (100 * done / total);
      int step = terminal ? 2 : 25; // redraw in place on a terminal; a few lines into a log
      if (pct / step != shown / step) {
        shown = pct;
        int filled = pct / 4;
        out.print(
            (terminal ? "\r" : "")
                + "producing ["
                + "#".repeat(filled)
                + " ".repeat(25 - filled)
                + "] "
                + pct
                + "% ("
                + done
                + "/"
                + total
                + ")"
                + (terminal ? "" : "\n"));
        out.flush();
      }
    }

    void done() {
      if (out != null && terminal) {
        out.println();
      }
    }
  }
}
