package io.streamgrad.jobs.format;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.RequestReader;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records of single-object-encoded {@link io.streamgrad.schemas.PredictionRequest}s
 * straight into {@link DenseRequest}s and validates what can be checked without the model (see
 * {@link RecordDecoder}); the feature count is checked against the model that answers.
 */
public final class RequestDecoder extends RecordDecoder<DenseRequest> {
  private static final long serialVersionUID = 1L;

  /** The feature count every request must have, or 0 when the answering model decides. */
  private final int features;

  /** For events of the feedback join: event times checked and filled in; null otherwise. */
  private final EventTime eventTime;

  private transient RequestReader reader;

  public RequestDecoder(int features, int maxRecordBytes) {
    this(features, maxRecordBytes, null);
  }

  /**
   * Requests as events in event time: a request without an event time takes its Kafka record's
   * timestamp, one ahead of the clock by more than {@code eventTime} allows is refused.
   */
  public RequestDecoder(int features, int maxRecordBytes, EventTime eventTime) {
    super(maxRecordBytes);
    this.features = features;
    this.eventTime = eventTime;
  }

  @Override
  protected DenseRequest decode(byte[] payload) throws IOException {
    if (reader == null) {
      reader = new RequestReader();
    }
    return reader.read(payload);
  }

  @Override
  protected String validate(DenseRequest r) {
    return r.invalidReason(features);
  }

  @Override
  protected String validate(DenseRequest r, ConsumerRecord<byte[], byte[]> from) {
    String reason = validate(r);
    if (reason == null && eventTime != null) {
      long time = r.eventTime != null ? r.eventTime : from.timestamp();
      reason = eventTime.refusal(time, System.currentTimeMillis());
    }
    return reason;
  }

  @Override
  protected void origin(DenseRequest r, ConsumerRecord<byte[], byte[]> from) {
    if (eventTime != null && r.eventTime == null && from.timestamp() >= 0) {
      r.eventTime = from.timestamp();
    }
  }

  @Override
  protected String modelId(DenseRequest r) {
    return r.modelId;
  }

  @Override
  protected TypeInformation<DenseRequest> recordType() {
    return OnlinePredictor.denseRequestType();
  }
}
