package io.streamgrad.jobs.format;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.RequestReader;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Decodes Kafka records of single-object-encoded {@link io.streamgrad.schemas.PredictionRequest}s
 * straight into {@link DenseRequest}s and validates what can be checked without the model (see
 * {@link RecordDecoder}); the feature count is checked against the model that answers.
 */
public final class RequestDecoder extends RecordDecoder<DenseRequest> {
  private static final long serialVersionUID = 1L;

  /** The feature count every request must have, or 0 when the answering model decides. */
  private final int features;

  private transient RequestReader reader;

  public RequestDecoder(int features, int maxRecordBytes) {
    super(maxRecordBytes);
    this.features = features;
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
  protected String modelId(DenseRequest r) {
    return r.modelId;
  }

  @Override
  protected TypeInformation<DenseRequest> recordType() {
    return OnlinePredictor.denseRequestType();
  }
}
