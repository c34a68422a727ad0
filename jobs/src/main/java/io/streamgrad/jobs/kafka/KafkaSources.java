package io.streamgrad.jobs.kafka;

import io.streamgrad.flink.operator.DeadLetterMetrics;
import io.streamgrad.jobs.format.EventTime;
import io.streamgrad.jobs.format.RecordDecoder;
import io.streamgrad.schemas.DeadLetter;
import java.io.Serializable;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/** Kafka topics read into a job: decoded and validated, every refused record a dead letter. */
public final class KafkaSources {

  /** Records the decoder or validator refused. */
  public static final OutputTag<DeadLetter> UNDECODABLE =
      new OutputTag<>("streamgrad-undecodable", new AvroTypeInfo<>(DeadLetter.class));

  /**
   * The most a fetch brings of one partition unless {@code max.partition.fetch.bytes} is set:
   * Kafka's 1 MiB is some 10,000 dense samples, and its consumer asks for the next only once those
   * are handed out, so the job waited a round trip to the broker every 10,000 samples (the train
   * job on 3M samples: 1.30M samples/s with 1 MiB, 1.43M with 8 MiB, same rounds). At most this
   * much per partition is buffered; {@code fetch.max.bytes} (50 MiB) still bounds a whole fetch.
   */
  public static final int PARTITION_FETCH_BYTES = 8 * 1024 * 1024;

  /**
   * Records a poll hands out unless {@code max.poll.records} is set: each poll's records cross from
   * Flink's fetcher thread to the task thread as one batch, and Kafka's 500 made that hand-over,
   * with its wake-up, every 500 samples (bench wire, same-round medians: 0.57x and 0.52x with 500,
   * 0.63x and 0.60x with 5,000, 0.68x and 0.63x with 20,000). It bounds no memory: a poll hands out
   * what the fetches already brought.
   */
  public static final int POLL_RECORDS = 20_000;

  private KafkaSources() {}

  /**
   * The consumer settings of every source: {@code kafka}'s, with {@link #PARTITION_FETCH_BYTES} and
   * {@link #POLL_RECORDS} unless they are set.
   */
  public static Properties consumerProperties(KafkaSettings kafka) {
    Properties p = kafka.clientProperties();
    p.putIfAbsent(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(PARTITION_FETCH_BYTES));
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(POLL_RECORDS));
    return p;
  }

  /**
   * Records of {@code topic} decoded and validated by {@code decoder}: the good ones, with the
   * refused ones (as dead letters) in the side output {@link #UNDECODABLE}. Operator uids {@code
   * streamgrad-<role>-source} and {@code streamgrad-decode-<role>}.
   */
  public static <T> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      String topic,
      RecordDecoder<T> decoder,
      TypeInformation<T> type,
      String role) {
    return decoded(
        env,
        kafka,
        topic,
        decoder,
        type,
        role,
        "streamgrad-" + role + "-source",
        "streamgrad-decode-" + role);
  }

  /** The same with the operators' uids given (the samples' are older than the scheme). */
  public static <T> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      String topic,
      RecordDecoder<T> decoder,
      TypeInformation<T> type,
      String role,
      String sourceUid,
      String decodeUid) {
    return decoded(
        env,
        kafka,
        topic,
        decoder,
        type,
        role,
        sourceUid,
        decodeUid,
        WatermarkStrategy.noWatermarks());
  }

  /** The event time of a decoded record, or null when it has none. */
  @FunctionalInterface
  public interface EventTimeOf<T> extends Serializable {
    Long of(T record);
  }

  /**
   * Records of {@code topic} as {@link #decoded}, in event time: each record's timestamp is its
   * event time ({@code eventTimeOf}, or the Kafka record's timestamp when it has none), watermarks
   * per partition as {@code eventTime} says. Refused records never move a watermark.
   */
  public static <T> SingleOutputStreamOperator<T> inEventTime(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      String topic,
      RecordDecoder<T> decoder,
      TypeInformation<T> type,
      String role,
      EventTime eventTime,
      EventTimeOf<T> eventTimeOf) {
    Duration bound = eventTime.outOfOrderness();
    WatermarkStrategy<Either<T, DeadLetter>> watermarks =
        WatermarkStrategy.<Either<T, DeadLetter>>forGenerator(
                context -> new GoodRecordsOnly<>(new BoundedOutOfOrdernessWatermarks<>(bound)))
            .withTimestampAssigner(
                (record, kafkaTime) -> {
                  Long t = record.isLeft() ? eventTimeOf.of(record.left()) : null;
                  return t != null ? t : kafkaTime;
                })
            .withIdleness(eventTime.idleness());
    return decoded(
        env,
        kafka,
        topic,
        decoder,
        type,
        role,
        "streamgrad-" + role + "-source",
        "streamgrad-decode-" + role,
        watermarks);
  }

  private static <T> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      String topic,
      RecordDecoder<T> decoder,
      TypeInformation<T> type,
      String role,
      String sourceUid,
      String decodeUid,
      WatermarkStrategy<Either<T, DeadLetter>> watermarks) {
    Properties consumer = consumerProperties(kafka);
    FetcherDecoding.install(consumer, decoder);
    var b =
        KafkaSource.<Either<T, DeadLetter>>builder()
            .setBootstrapServers(kafka.bootstrapServers())
            .setTopics(topic)
            .setGroupId(kafka.groupId())
            .setStartingOffsets(kafka.startingOffsets().initializer())
            .setDeserializer(decoder)
            .setProperties(consumer);
    if (kafka.bounded()) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return env.fromSource(b.build(), watermarks, "Kafka " + role)
        .uid(sourceUid)
        .process(new Split<T>())
        .returns(type)
        .name("Decode and validate " + role)
        .uid(decodeUid);
  }

  /** Watermarks from the records that passed validation: a refused one's time is not trusted. */
  static final class GoodRecordsOnly<T> implements WatermarkGenerator<Either<T, DeadLetter>> {
    private final WatermarkGenerator<Either<T, DeadLetter>> inner;

    GoodRecordsOnly(WatermarkGenerator<Either<T, DeadLetter>> inner) {
      this.inner = inner;
    }

    @Override
    public void onEvent(Either<T, DeadLetter> record, long timestamp, WatermarkOutput output) {
      if (record.isLeft()) {
        inner.onEvent(record, timestamp, output);
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      inner.onPeriodicEmit(output);
    }
  }

  /** Good records downstream; refused ones to {@link #UNDECODABLE}, counted by reason. */
  static final class Split<T> extends ProcessFunction<Either<T, DeadLetter>, T> {
    private static final long serialVersionUID = 1L;
    private transient DeadLetterMetrics deadLetters;

    @Override
    public void open(OpenContext openContext) {
      deadLetters = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(Either<T, DeadLetter> value, Context ctx, Collector<T> out) {
      if (value.isLeft()) {
        out.collect(value.left());
      } else {
        deadLetters.count(value.right().getReason());
        ctx.output(UNDECODABLE, value.right());
      }
    }
  }
}
