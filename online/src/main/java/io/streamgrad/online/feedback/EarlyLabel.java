package io.streamgrad.online.feedback;

/**
 * A label whose event has not come (yet): kept for one label window in event time, then an orphan.
 * A Flink POJO, in keyed state by request id.
 */
public class EarlyLabel {
  public float label;
  public float weight = 1f;

  /** Event time of the label, epoch millis. */
  public long time;

  public EarlyLabel() {}

  public EarlyLabel(float label, float weight, long time) {
    this.label = label;
    this.weight = weight;
    this.time = time;
  }
}
