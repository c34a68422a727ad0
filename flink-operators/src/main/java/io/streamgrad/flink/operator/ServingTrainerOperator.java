package io.streamgrad.flink.operator;

import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The keyed training operator that also serves: input 1 is samples, input 2 prediction requests,
 * answered by the live model of their key in the same operator (no snapshot round trip), to {@code
 * predictionsTag}.
 */
public final class ServingTrainerOperator extends TrainerOperatorBase
    implements TwoInputStreamOperator<DenseSample, DenseRequest, WeightSnapshot>,
        BoundedMultiInput {
  private static final long serialVersionUID = 1L;

  public ServingTrainerOperator(
      TrainerConfig config,
      ModelLifecycle lifecycle,
      OutputTag<DeadLetter> rejectedTag,
      OutputTag<Prediction> predictionsTag,
      boolean prequentialPredictions) {
    super(config, lifecycle, rejectedTag, predictionsTag, prequentialPredictions);
  }

  @Override
  public void processElement1(StreamRecord<DenseSample> element) throws Exception {
    processSample(element);
  }

  @Override
  public void processElement2(StreamRecord<DenseRequest> element) throws Exception {
    processRequest(element.getValue());
  }

  /** The end of the samples ends training; requests that come later are still answered. */
  @Override
  public void endInput(int inputId) throws Exception {
    if (inputId == 1) {
      endOfSamples();
    }
  }
}
