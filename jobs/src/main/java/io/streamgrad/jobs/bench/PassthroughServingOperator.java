package io.streamgrad.jobs.bench;

import io.streamgrad.online.serving.Predictions;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The serving bench's reference: the predictor's inputs and output without a model. Each request is
 * answered at once with 0 and the last version seen of its model (a plain map, no Flink state, no
 * forward pass); everything around it (Kafka, decoding, keyBy, the sink) is the predictor job's.
 */
public final class PassthroughServingOperator extends AbstractStreamOperator<Prediction>
    implements TwoInputStreamOperator<DenseRequest, WeightSnapshot, Prediction> {
  private static final long serialVersionUID = 1L;
  private transient Map<String, Long> versions;

  @Override
  public void open() throws Exception {
    super.open();
    versions = new HashMap<>();
  }

  @Override
  public void processElement1(StreamRecord<DenseRequest> element) {
    DenseRequest r = element.getValue();
    long version = versions.getOrDefault(r.modelId, 0L);
    output.collect(new StreamRecord<>(Predictions.of(r, 0f, version, 0L, false)));
  }

  @Override
  public void processElement2(StreamRecord<WeightSnapshot> element) {
    WeightSnapshot s = element.getValue();
    versions.merge(s.getModelId(), s.getVersion(), Math::max);
  }
}
