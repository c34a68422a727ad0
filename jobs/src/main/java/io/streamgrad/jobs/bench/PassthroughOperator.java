package io.streamgrad.jobs.bench;

import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The reference the training job is measured against: keyed like the trainer, with the same
 * per-model bookkeeping (a per-subtask map, a batch counter), it forwards one snapshot per batch —
 * the batch's last sample as weights — instead of training. Not fault tolerant: only for {@code
 * bench}.
 */
public final class PassthroughOperator extends AbstractStreamOperator<WeightSnapshot>
    implements OneInputStreamOperator<DenseSample, WeightSnapshot>, BoundedOneInput {
  private static final long serialVersionUID = 1L;

  private final int batchSize;
  private transient Map<String, long[]> counts; // {pending, version, samplesSeen}

  public PassthroughOperator(int batchSize) {
    this.batchSize = batchSize;
  }

  @Override
  public void open() throws Exception {
    super.open();
    counts = new HashMap<>();
  }

  @Override
  public void processElement(StreamRecord<DenseSample> element) {
    DenseSample s = element.getValue();
    long[] c = counts.computeIfAbsent(s.modelId, k -> new long[3]);
    if (++c[0] == batchSize) {
      emit(s.modelId, FloatLists.boxed(s.features), c);
    }
  }

  @Override
  public void endInput() {
    List<String> keys = new ArrayList<>(counts.keySet());
    keys.sort(null);
    for (String key : keys) {
      long[] c = counts.get(key);
      if (c[0] > 0) {
        emit(key, List.of(), c);
      }
    }
  }

  private void emit(String modelId, List<Float> weights, long[] c) {
    c[1]++;
    c[2] += c[0];
    c[0] = 0;
    output.collect(
        new StreamRecord<>(
            WeightSnapshot.newBuilder()
                .setModelId(modelId)
                .setVersion(c[1])
                .setWeights(weights)
                .setBias(0f)
                .setSamplesSeen(c[2])
                .setBatchLoss(0f)
                .setPrequentialLoss(0d)
                .setGradNorm(0f)
                .setLearningRate(0f)
                .setOptimizer("passthrough")
                .setTimestamp(
                    Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime()))
                .build()));
  }
}
