package io.streamgrad.jobs.format;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.WeightSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Decodes the snapshot topic for a predictor (any released version of {@link WeightSnapshot}); a
 * record that is not a snapshot goes to the dead letters instead of failing the job (see {@link
 * RecordDecoder}). Snapshots are as large as their models, so no size limit applies below Kafka's.
 */
public final class SnapshotDecoder extends RecordDecoder<WeightSnapshot> {
  private static final long serialVersionUID = 1L;

  private transient BinaryMessageDecoder<WeightSnapshot> decoder;

  public SnapshotDecoder() {
    super(Integer.MAX_VALUE);
  }

  @Override
  protected WeightSnapshot decode(byte[] payload) throws IOException {
    if (decoder == null) {
      decoder = WeightSnapshot.createDecoder(KnownSchemas.released());
    }
    return decoder.decode(ByteBuffer.wrap(payload));
  }

  @Override
  protected String validate(WeightSnapshot s) {
    return s.getModelId() == null || s.getModelId().isEmpty() ? "empty model id" : null;
  }

  @Override
  protected String modelId(WeightSnapshot s) {
    return s.getModelId();
  }

  @Override
  protected TypeInformation<WeightSnapshot> recordType() {
    return OnlineTrainer.snapshotType();
  }
}
