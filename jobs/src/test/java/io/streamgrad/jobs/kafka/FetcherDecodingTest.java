package io.streamgrad.jobs.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.streamgrad.jobs.EmbeddedKafkaExtension;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.format.DecodedRecord;
import io.streamgrad.jobs.format.DecoderOutput;
import io.streamgrad.jobs.format.RecordDecoder;
import io.streamgrad.jobs.format.SampleDecoder;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Records decoded on the consumer's poll are the records the source's decoder would make. */
class FetcherDecodingTest {

  @RegisterExtension static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

  private static byte[] sample(String model, float label) {
    return WireFormat.encode(
        Sample.newBuilder()
            .setModelId(model)
            .setFeatures(List.of(1f, 2f, label))
            .setLabel(label)
            .build());
  }

  @Test
  void aRealConsumerHandsOutEveryRecordDecodedAsTheSourceWould() throws Exception {
    String topic = "fetcher-decoding";
    EmbeddedKafka.createTopics(kafka.bootstrapServers(), 2, topic);
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      values.add(sample("m" + (i % 7), i % 2));
    }
    values.set(17, "not avro".getBytes(StandardCharsets.UTF_8));
    values.set(90, new byte[0]);
    values.set(150, sample("m1", Float.NaN)); // decodes, then fails validation
    try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < values.size(); i++) {
        byte[] key = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, i % 2, 1_000L + i, key, values.get(i)));
      }
      producer.flush();
    }

    SampleDecoder source = new SampleDecoder(3);
    Properties p = KafkaClients.settings(kafka.bootstrapServers());
    FetcherDecoding.install(p, source);
    SampleDecoder reference = new SampleDecoder(3);
    int decoded = 0;
    int deadLetters = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(p, false)) {
      List<TopicPartition> parts =
          List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      while (decoded < values.size()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          DecodedRecord d = assertInstanceOf(DecodedRecord.class, r, "decoded on the poll");
          int sent = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8));
          assertEquals(1_000L + sent, r.timestamp(), "the record's own time");
          assertEquals(values.get(sent).length, r.serializedValueSize());
          assertNull(r.value(), "the bytes are let go once decoded");
          ConsumerRecord<byte[], byte[]> plain =
              new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(), values.get(sent));
          Either<DenseSample, DeadLetter> expected = reference.decodeRecord(plain);
          Either<DenseSample, DeadLetter> got = DecoderOutput.of(source, d);
          assertSame(d.decoded(), got, "the source hands on what the poll decoded");
          assertEquals(expected.isLeft(), got.isLeft());
          if (got.isLeft()) {
            DenseSample e = expected.left();
            DenseSample g = got.left();
            assertEquals(e.modelId, g.modelId);
            assertArrayEquals(e.features, g.features);
            assertEquals(e.label, g.label);
            assertEquals(r.partition(), g.partition);
          } else {
            deadLetters++;
            assertEquals(expected.right().getReason(), got.right().getReason());
            assertEquals(r.offset(), got.right().getOffset());
            assertEquals(r.partition(), got.right().getPartition());
            byte[] payload = new byte[got.right().getPayload().remaining()];
            got.right().getPayload().duplicate().get(payload);
            assertArrayEquals(values.get(sent), payload, "the dead letter carries the bytes");
          }
          decoded++;
        }
      }
    }
    assertEquals(3, deadLetters);
  }

  /** Counts the payloads it decodes: each record is decoded once, on the poll. */
  static final class CountingDecoder extends RecordDecoder<String> {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger decodes = new AtomicInteger();

    CountingDecoder() {
      super(1_000);
    }

    @Override
    protected String decode(byte[] payload) {
      decodes.incrementAndGet();
      return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    protected String validate(String record) {
      return record.startsWith("bad") ? "bad record" : null;
    }

    @Override
    protected String modelId(String record) {
      return "m";
    }

    @Override
    protected TypeInformation<String> recordType() {
      return TypeInformation.of(String.class);
    }
  }

  @Test
  void eachRecordIsDecodedOnceByACopyOfTheSourcesDecoder() {
    CountingDecoder source = new CountingDecoder();
    Properties p = new Properties();
    p.setProperty(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, "a.First, b.Second");
    FetcherDecoding.install(p, source);
    assertEquals(
        List.of("a.First", "b.Second", FetcherDecoding.class),
        p.get(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG),
        "interceptors already set come first");

    Map<String, Object> configs = new HashMap<>();
    p.forEach((k, v) -> configs.put((String) k, v));
    FetcherDecoding interceptor = new FetcherDecoding();
    interceptor.configure(configs);
    TopicPartition tp = new TopicPartition("t", 3);
    List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] v = ((i == 2 ? "bad" : "good") + i).getBytes(StandardCharsets.UTF_8);
      polled.add(new ConsumerRecord<>("t", 3, 10L + i, null, v));
    }
    Map<TopicPartition, OffsetAndMetadata> next = Map.of(tp, new OffsetAndMetadata(15L));
    ConsumerRecords<byte[], byte[]> out =
        interceptor.onConsume(new ConsumerRecords<>(Map.of(tp, polled), next));
    assertEquals(next, out.nextOffsets(), "the poll's next offsets are kept");
    assertEquals(5, CountingDecoder.decodes.get());

    List<ConsumerRecord<byte[], byte[]>> records = out.records(tp);
    assertEquals(5, records.size());
    for (int i = 0; i < 5; i++) {
      Either<String, DeadLetter> r = DecoderOutput.of(source, records.get(i));
      assertEquals(10L + i, records.get(i).offset());
      if (i == 2) {
        assertEquals("bad record", r.right().getReason());
        assertEquals(12L, r.right().getOffset());
      } else {
        assertEquals("good" + i, r.left());
      }
    }
    assertEquals(5, CountingDecoder.decodes.get(), "not decoded again on the task thread");

    // A record that did not come through the interceptor is decoded by the source itself.
    assertEquals(
        "good9",
        DecoderOutput.of(
                source,
                new ConsumerRecord<>("t", 3, 99L, null, "good9".getBytes(StandardCharsets.UTF_8)))
            .left());
    assertEquals(6, CountingDecoder.decodes.get());
  }

  @Test
  void withoutADecoderThePollIsHandedOutAsItIs() {
    FetcherDecoding interceptor = new FetcherDecoding();
    interceptor.configure(Map.of());
    TopicPartition tp = new TopicPartition("t", 0);
    ConsumerRecords<byte[], byte[]> polled =
        new ConsumerRecords<>(
            Map.of(tp, List.of(new ConsumerRecord<>("t", 0, 0L, null, new byte[] {1}))), Map.of());
    assertSame(polled, interceptor.onConsume(polled));
    assertNotNull(polled.records(tp).get(0).value());
  }
}
