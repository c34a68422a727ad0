package io.streamgrad.online.feedback;

/**
 * A served event remembered until its outcome: its inputs (sparse tokens already hashed into the
 * model's space), when it happened, what the job answered, and what became of it. A Flink POJO
 * (field-wise serialization), kept in keyed state by request id.
 */
public class PendingEvent {
  /** Its label came (within the window, or late). */
  public static final byte LABELED = 1;

  /** The label was trained on (or needed no training). */
  public static final byte LABEL_TRAINED = 2;

  /** fnw: trained on as a negative. */
  public static final byte NEGATIVE_TRAINED = 4;

  /** Its label window closed; it is kept only to recognize late labels. */
  public static final byte CLOSED = 8;

  /** A label came after the window closed (in event time, or after the watermark passed it). */
  public static final byte LATE_LABELED = 16;

  /** Not answered yet: answered in event time, when the watermark reaches it. */
  public static final byte UNANSWERED = 32;

  private static final int[] NO_INDICES = new int[0];
  private static final float[] NO_VALUES = new float[0];

  public float[] features;
  public int[] indices = NO_INDICES;
  public float[] values = NO_VALUES;

  /** Event time, epoch millis. */
  public long eventTime;

  /** The prediction the job answered with, and the model version that made it. */
  public float served;

  public long servedVersion;

  /** Bits of {@link #LABELED} etc. */
  public byte flags;

  public float label;
  public float labelWeight = 1f;

  /** Event time of the label. */
  public long labelTime;

  public PendingEvent() {}

  public PendingEvent(
      float[] features,
      int[] indices,
      float[] values,
      long eventTime,
      float served,
      long servedVersion) {
    this.features = features;
    this.indices = indices;
    this.values = values;
    this.eventTime = eventTime;
    this.served = served;
    this.servedVersion = servedVersion;
  }

  public boolean is(byte flag) {
    return (flags & flag) != 0;
  }

  void set(byte flag) {
    flags |= flag;
  }

  void clear(byte flag) {
    flags &= (byte) ~flag;
  }

  /** An event to answer once the watermark reaches it. */
  public static PendingEvent unanswered(
      float[] features, int[] indices, float[] values, long eventTime) {
    PendingEvent e = new PendingEvent(features, indices, values, eventTime, Float.NaN, -1);
    e.set(UNANSWERED);
    return e;
  }

  /** Notes its label (the first one). */
  void label(float label, float weight, long time) {
    this.label = label;
    this.labelWeight = weight;
    this.labelTime = time;
    set(LABELED);
  }

  /** Notes a late label, to train on as a correction. */
  void lateLabel(float label, float weight, long time) {
    this.label = label;
    this.labelWeight = weight;
    this.labelTime = time;
    set(LATE_LABELED);
  }

  /** Drops the inputs of a closed event that late labels will not train on. */
  void forgetInputs() {
    features = NO_VALUES;
    indices = NO_INDICES;
    values = NO_VALUES;
  }
}
