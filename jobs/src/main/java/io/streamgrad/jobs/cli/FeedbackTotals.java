package io.streamgrad.jobs.cli;

import io.streamgrad.schemas.FeedbackMetrics;
import java.util.Collection;

/**
 * The feedback join's accounting summed over models, from each model's newest report: what the
 * {@code train} report and {@code local --feedback} print and write.
 */
final class FeedbackTotals {
  long events;
  long labels;
  long joined;
  long expired;
  long pending;
  long lateLabels;
  long orphanLabels;
  long duplicateLabels;
  long deadLetters;
  long trainedPositives;
  long trainedNegatives;
  int models;

  /** The totals of the models whose newest reports are {@code latest}. */
  static FeedbackTotals of(Collection<FeedbackMetrics> latest) {
    FeedbackTotals t = new FeedbackTotals();
    latest.forEach(t::add);
    return t;
  }

  void add(FeedbackMetrics f) {
    if (f == null) {
      return;
    }
    models++;
    events += f.getEvents();
    labels += f.getLabels();
    joined += f.getJoined();
    expired += f.getExpired();
    pending += f.getPending();
    lateLabels += f.getLateLabels();
    orphanLabels += f.getOrphanLabels();
    duplicateLabels += f.getDuplicateLabels();
    deadLetters += f.getDeadLetters();
    trainedPositives += f.getTrainedPositives();
    trainedNegatives += f.getTrainedNegatives();
  }

  String line() {
    return String.format(
        "%,d events: %,d joined, %,d expired, %,d pending; %,d labels: %,d late, %,d orphans,"
            + " %,d duplicates; %,d dead letters from the join; trained on %,d positives and %,d"
            + " negatives",
        events,
        joined,
        expired,
        pending,
        labels,
        lateLabels,
        orphanLabels,
        duplicateLabels,
        deadLetters,
        trainedPositives,
        trainedNegatives);
  }

  /** The counts as JSON members (no braces), with {@code deadLetters} as given. */
  String json(long allDeadLetters) {
    return "\"events\": "
        + events
        + ", \"labels\": "
        + labels
        + ", \"joined\": "
        + joined
        + ", \"expired\": "
        + expired
        + ", \"pending\": "
        + pending
        + ", \"lateLabels\": "
        + lateLabels
        + ", \"orphanLabels\": "
        + orphanLabels
        + ", \"duplicateLabels\": "
        + duplicateLabels
        + ", \"deadLetters\": "
        + allDeadLetters
        + ", \"joinDeadLetters\": "
        + deadLetters
        + ", \"trainedPositives\": "
        + trainedPositives
        + ", \"trainedNegatives\": "
        + trainedNegatives;
  }
}
