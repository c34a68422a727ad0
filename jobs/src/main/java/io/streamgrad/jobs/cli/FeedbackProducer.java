package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.demo.FeedbackStream;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.format.Json;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.WireFormat;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a {@link FeedbackStream} to Kafka: requests and labels interleaved in the order they would
 * arrive, each record's Kafka timestamp its event time, keyed by model id.
 */
final class FeedbackProducer {

  private FeedbackProducer() {}

  /** What was written, and how good the true model is on it (click data: AUC, log loss). */
  record Result(
      long events,
      long labels,
      long lateLabels,
      long unhappened,
      long positives,
      long firstEventMillis,
      long lastEventMillis,
      Map<String, PrequentialMetrics> trueModel,
      float[] outcomes) {

    /** The outcome of request {@code req-i}, or NaN for another id. */
    float outcome(String requestId) {
      if (!requestId.startsWith("req-")) {
        return Float.NaN;
      }
      try {
        long i = Long.parseLong(requestId, 4, requestId.length(), 10);
        return i >= 0 && i < outcomes.length ? outcomes[(int) i] : Float.NaN;
      } catch (NumberFormatException e) {
        return Float.NaN;
      }
    }
  }

  /** A label as the JSON that {@code --label-format json} reads. */
  static byte[] json(Label l) {
    return ("{\"modelId\": "
            + Json.string(l.getModelId())
            + ", \"requestId\": "
            + Json.string(l.getRequestId())
            + ", \"label\": "
            + l.getLabel()
            + (l.getEventTime() == null
                ? ""
                : ", \"eventTime\": " + l.getEventTime().toEpochMilli())
            + (l.getWeight() == null ? "" : ", \"weight\": " + l.getWeight())
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The simulated events end {@code horizon} before now: every label, late ones too, is in the past
   * (the job refuses records ahead of the clock).
   */
  static Result produce(
      KafkaOptions kafka,
      SyntheticDataOptions data,
      FeedbackDataOptions feedback,
      SyntheticData gen,
      boolean clicks,
      String requestsTopic,
      String labelsTopic,
      Duration labelWindow,
      boolean jsonLabels,
      PrintStream progressOut)
      throws Exception {
    long span = FeedbackStream.spanMillis(data.samples, feedback.eventsPerSecond);
    long lateAfter = feedback.lateAfter(labelWindow).toMillis();
    // Exponential delays: 20 means leave out about e^-20 of them; enough room for any run.
    long horizon = lateAfter + 20 * feedback.labelDelay.toMillis() + 60_000;
    long start = System.currentTimeMillis() - span - horizon;
    FeedbackStream stream =
        new FeedbackStream(
            gen,
            clicks,
            data.samples,
            feedback.eventsPerSecond,
            feedback.labelDelay.toMillis(),
            feedback.lateFraction,
            lateAfter,
            feedback.negativeLabels,
            start,
            data.seed + 11);
    Map<String, PrequentialMetrics> truth = new LinkedHashMap<>();
    float[] p = new float[1];
    float[] y = new float[1];
    long events = 0;
    long labels = 0;
    long late = 0;
    long positives = 0;
    long last = start;
    float[] outcomes = new float[(int) Math.min(Integer.MAX_VALUE - 8, data.samples)];
    SampleProducer.SendErrors errors = new SampleProducer.SendErrors();
    SampleProducer.Progress bar = new SampleProducer.Progress(progressOut, data.samples);
    try (KafkaProducer<byte[], byte[]> producer =
        KafkaClients.producer(SampleProducer.producerSettings(kafka))) {
      while (stream.hasNext()) {
        FeedbackStream.Item item = stream.next();
        if (item instanceof FeedbackStream.Event e) {
          errors.check(requestsTopic);
          String id = e.request().getModelId();
          SampleProducer.send(
              producer,
              new ProducerRecord<>(
                  requestsTopic,
                  null,
                  e.time(),
                  id.getBytes(StandardCharsets.UTF_8),
                  WireFormat.encode(e.request())),
              errors);
          if (clicks) {
            p[0] = e.truth();
            y[0] = e.outcome();
            truth.computeIfAbsent(id, k -> new PrequentialMetrics(true)).add(p, y, 1);
            positives += e.outcome() >= 0.5f ? 1 : 0;
          }
          last = e.time();
          if (events < outcomes.length) {
            outcomes[(int) events] = e.outcome();
          }
          bar.update(++events);
        } else {
          FeedbackStream.Outcome o = (FeedbackStream.Outcome) item;
          errors.check(labelsTopic);
          SampleProducer.send(
              producer,
              new ProducerRecord<>(
                  labelsTopic,
                  null,
                  o.time(),
                  o.label().getModelId().getBytes(StandardCharsets.UTF_8),
                  jsonLabels ? json(o.label()) : WireFormat.encode(o.label())),
              errors);
          labels++;
          late += o.late() ? 1 : 0;
        }
      }
      producer.flush();
      bar.done();
      errors.check(requestsTopic + "' and '" + labelsTopic);
    } catch (IllegalStateException e) {
      throw SampleProducer.givingUp(kafka, e);
    }
    return new Result(
        events, labels, late, stream.unhappened(), positives, start, last, truth, outcomes);
  }
}
