package io.streamgrad.jobs.demo;

import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.PredictionRequest;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A served stream with known truth, in the order its records would arrive: events (prediction
 * requests with event times, {@code eventsPerSecond} of simulated time apart) and, for each, an
 * outcome drawn from the true model that arrives after a delay drawn from an exponential
 * distribution of mean {@code labelDelayMillis} (0: at once). Click outcomes are Bernoulli draws of
 * the true probability and only clicks send a label (unless {@code negativeLabels}); values are the
 * true output plus the generator's noise. A {@code lateFraction} of the outcomes arrive after
 * {@code lateAfterMillis} (plus their delay): labels that miss a window of that length on purpose.
 * The stream is a record of what happened until its last event: outcomes after it have not happened
 * yet and are not in it ({@link #unhappened}). Simulated time: producing it takes no wall time.
 */
public final class FeedbackStream {

  /** A dense click model's logit is {@code CLICK_SCALE · w·x + CLICK_BIAS}: a rate near 15%. */
  static final double CLICK_SCALE = 0.4;

  static final double CLICK_BIAS = -2.5;

  /** One record to write, with its event time (also its Kafka timestamp). */
  public sealed interface Item permits Event, Outcome {
    long time();
  }

  /** An event: a request, its true output (a click probability) and the outcome drawn. */
  public record Event(PredictionRequest request, long time, float truth, float outcome)
      implements Item {}

  /** An outcome's label, arriving at {@code time}. */
  public record Outcome(Label label, long time, boolean late) implements Item {}

  private final SyntheticData gen;
  private final boolean clicks;
  private final long events;
  private final double millisPerEvent;
  private final double labelDelayMillis;
  private final double lateFraction;
  private final long lateAfterMillis;
  private final boolean negativeLabels;
  private final long startMillis;
  private final SplittableRandom rng;
  private final SplittableRandom outcomes;
  private final PriorityQueue<Outcome> waiting =
      new PriorityQueue<>(
          (a, b) ->
              a.time != b.time
                  ? Long.compare(a.time, b.time)
                  : a.label.getRequestId().compareTo(b.label.getRequestId()));
  private final long lastEventMillis;
  private long next;
  private long unhappened;
  private Event pendingEvent;

  public FeedbackStream(
      SyntheticData gen,
      boolean clicks,
      long events,
      double eventsPerSecond,
      long labelDelayMillis,
      double lateFraction,
      long lateAfterMillis,
      boolean negativeLabels,
      long startMillis,
      long seed) {
    this.gen = gen;
    this.clicks = clicks;
    this.events = events;
    this.millisPerEvent = 1000.0 / eventsPerSecond;
    this.labelDelayMillis = labelDelayMillis;
    this.lateFraction = lateFraction;
    this.lateAfterMillis = lateAfterMillis;
    this.negativeLabels = negativeLabels;
    this.startMillis = startMillis;
    this.rng = new SplittableRandom(seed);
    this.outcomes = new SplittableRandom(seed * 7 + 1);
    this.lastEventMillis = startMillis + (long) ((events - 1) * millisPerEvent);
  }

  /** Outcomes drawn for the events that would come after the last event: not in the stream. */
  public long unhappened() {
    return unhappened;
  }

  /** How much simulated time the events span, in millis. */
  public static long spanMillis(long events, double eventsPerSecond) {
    return (long) Math.ceil(events * 1000.0 / eventsPerSecond);
  }

  public boolean hasNext() {
    return next < events || pendingEvent != null || !waiting.isEmpty();
  }

  /** The next record in arrival order: a label that is due before the next event comes first. */
  public Item next() {
    if (pendingEvent == null && next < events) {
      pendingEvent = draw(next++);
    }
    if (!waiting.isEmpty() && (pendingEvent == null || waiting.peek().time < pendingEvent.time)) {
      return waiting.poll();
    }
    Event e = pendingEvent;
    pendingEvent = null;
    return e;
  }

  private Event draw(long i) {
    PredictionRequest r = gen.request(i, rng);
    long time = startMillis + (long) (i * millisPerEvent);
    r.setEventTime(Instant.ofEpochMilli(time));
    float truth = truth(r);
    float outcome;
    if (clicks) {
      outcome = outcomes.nextDouble() < truth ? 1f : 0f;
    } else {
      outcome = (float) (truth + gen.noise() * outcomes.nextGaussian());
    }
    if (!clicks || outcome == 1f || negativeLabels) {
      double delay =
          labelDelayMillis <= 0 ? 0 : -labelDelayMillis * Math.log(1 - outcomes.nextDouble());
      boolean late = lateFraction > 0 && outcomes.nextDouble() < lateFraction;
      long at = time + (long) delay + (late ? lateAfterMillis : 0);
      if (at > lastEventMillis) {
        unhappened++;
        return new Event(r, time, truth, outcome);
      }
      Label l =
          Label.newBuilder()
              .setModelId(r.getModelId())
              .setRequestId(r.getRequestId())
              .setLabel(outcome)
              .setEventTime(Instant.ofEpochMilli(at))
              .build();
      waiting.add(new Outcome(l, at, late));
    }
    return new Event(r, time, truth, outcome);
  }

  /** The true output of a request: a click probability, or the noise-free value. */
  public float truth(PredictionRequest r) {
    float y = gen.trueOutput(r);
    if (clicks && !gen.isClickData()) { // dense clicks: the regression truth through a link
      return (float) (1 / (1 + Math.exp(-(CLICK_SCALE * y + CLICK_BIAS))));
    }
    return y;
  }
}
