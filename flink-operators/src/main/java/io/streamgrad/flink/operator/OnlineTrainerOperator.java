package io.streamgrad.flink.operator;

import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/** The keyed training operator on one input, samples (see {@link TrainerOperatorBase}). */
public final class OnlineTrainerOperator extends TrainerOperatorBase
    implements OneInputStreamOperator<DenseSample, WeightSnapshot>, BoundedOneInput {
  private static final long serialVersionUID = 1L;

  public OnlineTrainerOperator(
      TrainerConfig config, ModelLifecycle lifecycle, OutputTag<DeadLetter> rejectedTag) {
    super(config, lifecycle, rejectedTag, null, false);
  }

  /** With test-then-train predictions of every trained sample to {@code predictionsTag}. */
  public OnlineTrainerOperator(
      TrainerConfig config,
      ModelLifecycle lifecycle,
      OutputTag<DeadLetter> rejectedTag,
      OutputTag<Prediction> predictionsTag,
      boolean prequentialPredictions) {
    super(config, lifecycle, rejectedTag, predictionsTag, prequentialPredictions);
  }

  @Override
  public void processElement(StreamRecord<DenseSample> element) throws Exception {
    processSample(element);
  }

  @Override
  public void endInput() throws Exception {
    endOfSamples();
  }
}
