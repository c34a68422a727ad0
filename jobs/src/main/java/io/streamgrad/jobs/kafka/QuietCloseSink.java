package io.streamgrad.jobs.kafka;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KafkaSink} whose writer does not throw from {@code close()} a send error it already
 * threw. The connector's writer keeps the first failed send of its producer's callbacks and throws
 * it from the next write or flush, which fails the task; if another send failed in the meantime (a
 * refused record rarely comes alone), {@code close()} throws that one while Flink cleans up the
 * failed task, which Flink takes for a failure of its own exception handler: it kills the
 * TaskManager, and the job waits five minutes for slots before ending with {@code
 * NoResourceAvailableException}, the cause lost. Here the task fails, the job restarts within its
 * limits, and ends with the cause. Errors that matter surface before {@code close()}: at a write,
 * at the flush of the end of input, at a checkpoint's commit preparation.
 */
final class QuietCloseSink<IN>
    implements TwoPhaseCommittingStatefulSink<IN, KafkaWriterState, KafkaCommittable>,
        SupportsPostCommitTopology<KafkaCommittable> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(QuietCloseSink.class);

  private final KafkaSink<IN> sink;

  QuietCloseSink(KafkaSink<IN> sink) {
    this.sink = sink;
  }

  @Override
  public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> createWriter(
      WriterInitContext context) throws IOException {
    return new Writer<>(sink.createWriter(context));
  }

  @Override
  public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> restoreWriter(
      WriterInitContext context, Collection<KafkaWriterState> states) throws IOException {
    return new Writer<>(sink.restoreWriter(context, states));
  }

  @Override
  public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
    return sink.getWriterStateSerializer();
  }

  @Override
  public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) {
    return sink.createCommitter(context);
  }

  @Override
  public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
    return sink.getCommittableSerializer();
  }

  @Override
  public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
    sink.addPostCommitTopology(committables);
  }

  /** The connector's writer, but for what its {@code close()} throws. */
  private static final class Writer<IN>
      implements PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> {
    private final PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> writer;

    Writer(PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> writer) {
      this.writer = writer;
    }

    @Override
    public void write(IN element, Context context) throws IOException, InterruptedException {
      writer.write(element, context);
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      writer.flush(endOfInput);
    }

    @Override
    public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
      writer.writeWatermark(watermark);
    }

    @Override
    public List<KafkaWriterState> snapshotState(long checkpointId) throws IOException {
      return writer.snapshotState(checkpointId);
    }

    @Override
    public Collection<KafkaCommittable> prepareCommit() throws IOException, InterruptedException {
      return writer.prepareCommit();
    }

    @Override
    public void close() {
      try {
        writer.close();
      } catch (Exception e) {
        LOG.warn(
            "Kafka sink writer closed with a send error (the task has failed with its first): {}",
            e.getCause() != null ? e.getCause().toString() : e.toString());
      }
    }
  }
}
