package io.streamgrad.jobs.graph;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.format.EventTime;
import io.streamgrad.jobs.format.LabelDecoder;
import io.streamgrad.jobs.format.RequestDecoder;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSinks;
import io.streamgrad.jobs.kafka.KafkaSources;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Duration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The feedback job graph: serve, wait for the outcome, learn. Kafka requests (the events) and
 * labels, each decoded and validated in event time → {@link OnlineTrainer#trainWithFeedback} (one
 * keyed operator answers each request with its live model, remembers it, joins its label and
 * trains) → Kafka snapshots, predictions, per-model reports (accounting and served-prediction
 * metrics) on the feedback topic, and a dead letter with its reason for every record not learned
 * from.
 */
public final class FeedbackJob {

  private FeedbackJob() {}

  /**
   * Adds the job to {@code env}, reading {@code kafka}'s requests and labels topics; {@code tap}
   * sits between the decoded requests and the trainer.
   */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      OnlineTrainer trainer,
      FeedbackConfig feedback,
      EventTime eventTime,
      Duration reportInterval,
      InputTap tap) {
    if (kafka.requestsTopic() == null || kafka.labelsTopic() == null) {
      throw new IllegalArgumentException("the feedback job reads a requests and a labels topic");
    }
    TrainJob.withoutDefensiveCopies(env);
    int features = trainer.config().features;
    SingleOutputStreamOperator<DenseRequest> requests =
        KafkaSources.inEventTime(
            env,
            kafka,
            kafka.requestsTopic(),
            new RequestDecoder(features, kafka.maxRecordBytes(), eventTime),
            OnlinePredictor.denseRequestType(),
            "requests",
            eventTime,
            r -> r.eventTime);
    SingleOutputStreamOperator<Label> labels =
        KafkaSources.inEventTime(
            env,
            kafka,
            kafka.labelsTopic(),
            new LabelDecoder(
                kafka.maxRecordBytes(),
                kafka.writerSchemas(),
                eventTime,
                kafka.labelFormat() == KafkaSettings.SampleFormat.JSON),
            OnlineTrainer.labelType(),
            "labels",
            eventTime,
            l -> l.getEventTime() == null ? null : l.getEventTime().toEpochMilli());
    SingleOutputStreamOperator<WeightSnapshot> snapshots =
        trainer.trainWithFeedback(
            tap.apply(requests, OnlinePredictor.denseRequestType()),
            labels,
            feedback,
            reportInterval);
    int hashBits =
        trainer.config().sparseModel() ? trainer.config().model.spec(features).hashBits() : 0;
    KafkaSinks.snapshots(kafka, hashBits, snapshots, kafka.snapshotsTopic(), "snapshots");
    KafkaSinks.predictions(kafka, snapshots.getSideOutput(OnlineTrainer.PREDICTIONS));
    KafkaSinks.feedbackReports(kafka, snapshots.getSideOutput(OnlineTrainer.FEEDBACK_REPORTS));
    DataStream<DeadLetter> deadLetters =
        requests
            .getSideOutput(KafkaSources.UNDECODABLE)
            .union(
                labels.getSideOutput(KafkaSources.UNDECODABLE),
                snapshots.getSideOutput(OnlineTrainer.REJECTED));
    KafkaSinks.deadLetters(kafka, deadLetters);
    TrainJob.qualitySinks(kafka, trainer, hashBits, snapshots);
    return snapshots;
  }
}
