package io.streamgrad.jobs.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records of single-object-encoded {@link Label}s (any released version, or a writer
 * schema announced with {@code --writer-schemas}) and checks what can be checked without the model:
 * ids, a finite label and weight, an event time not ahead of the clock. A label without an event
 * time takes its Kafka record's timestamp. Whether the label fits the model (in [0, 1] for a
 * logistic one) is checked where the model is known.
 */
public final class LabelDecoder extends RecordDecoder<Label> {
  private static final long serialVersionUID = 1L;

  private final List<String> writerSchemas;
  private final EventTime eventTime;
  private final boolean json;
  private transient JsonFactory jsonFactory;
  private transient KnownSchemas known;
  private transient BinaryMessageDecoder<Label> decoder;

  public LabelDecoder(int maxRecordBytes, List<String> writerSchemas, EventTime eventTime) {
    this(maxRecordBytes, writerSchemas, eventTime, false);
  }

  /**
   * With {@code json}, labels are JSON objects: {@code {"modelId": "m1", "requestId": "r-7",
   * "label": 1, "eventTime": 1700000000000, "weight": 1.0}} ({@code eventTime} and {@code weight}
   * optional, other fields ignored).
   */
  public LabelDecoder(
      int maxRecordBytes, List<String> writerSchemas, EventTime eventTime, boolean json) {
    super(maxRecordBytes);
    this.writerSchemas = List.copyOf(writerSchemas);
    this.eventTime = eventTime;
    this.json = json;
  }

  @Override
  protected Label decode(byte[] payload) throws IOException, BadRecordException {
    if (json) {
      return decodeJson(payload);
    }
    if (decoder == null) {
      known = SampleDecoder.knownSchemas(writerSchemas);
      decoder = Label.createDecoder(known);
    }
    if (WireFormat.hasSingleObjectHeader(payload)) {
      Schema writer = known.findByFingerprint(WireFormat.fingerprint(payload));
      if (writer != null && !writer.getFullName().equals(Label.getClassSchema().getFullName())) {
        throw new BadRecordException("not a Label: a " + writer.getName() + " record");
      }
    }
    return decoder.decode(payload);
  }

  private Label decodeJson(byte[] payload) throws IOException, BadRecordException {
    if (WireFormat.hasSingleObjectHeader(payload)) {
      throw new BadRecordException(
          "Avro single-object encoding: this job reads JSON labels (--label-format)");
    }
    if (jsonFactory == null) {
      jsonFactory = new JsonFactory();
    }
    try (JsonParser p = jsonFactory.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRecordException("not a JSON object");
      }
      Label.Builder l = Label.newBuilder();
      boolean id = false;
      boolean request = false;
      boolean label = false;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "modelId" -> {
            l.setModelId(text(p, v, "modelId"));
            id = true;
          }
          case "requestId" -> {
            l.setRequestId(text(p, v, "requestId"));
            request = true;
          }
          case "label" -> {
            l.setLabel(JsonSampleDecoder.number(p, v, "label"));
            label = true;
          }
          case "weight" ->
              l.setWeight(
                  v == JsonToken.VALUE_NULL ? null : JsonSampleDecoder.number(p, v, "weight"));
          case "eventTime" -> {
            if (v == JsonToken.VALUE_NUMBER_INT) {
              l.setEventTime(Instant.ofEpochMilli(p.getLongValue()));
            } else if (v != JsonToken.VALUE_NULL) {
              throw new BadRecordException("wrong type: eventTime must be epoch millis or null");
            }
          }
          default -> p.skipChildren(); // a field of a newer producer
        }
      }
      if (p.nextToken() != null) {
        throw new BadRecordException("trailing data after the JSON object");
      }
      if (!id || !request || !label) {
        throw new BadRecordException(
            "missing field: " + (!id ? "modelId" : !request ? "requestId" : "label"));
      }
      return l.build();
    } catch (JsonParseException e) {
      throw new BadRecordException(JsonSampleDecoder.notJson(e.getOriginalMessage()));
    }
  }

  private static String text(JsonParser p, JsonToken v, String field)
      throws IOException, BadRecordException {
    if (v != JsonToken.VALUE_STRING) {
      throw new BadRecordException("wrong type: " + field + " must be a string");
    }
    return p.getText();
  }

  @Override
  protected String validate(Label l) {
    String id = l.getModelId();
    if (id == null || id.isEmpty()) {
      return "empty model id";
    }
    if (id.length() > DenseSample.MAX_MODEL_ID_LENGTH) {
      return "model id longer than " + DenseSample.MAX_MODEL_ID_LENGTH + " characters";
    }
    String request = l.getRequestId();
    if (request == null || request.isEmpty()) {
      return "empty request id";
    }
    if (request.length() > DenseRequest.MAX_REQUEST_ID_LENGTH) {
      return "request id longer than " + DenseRequest.MAX_REQUEST_ID_LENGTH + " characters";
    }
    if (!Float.isFinite(l.getLabel())) {
      return "non-finite label";
    }
    Float w = l.getWeight();
    if (w != null && !Float.isFinite(w)) {
      return "non-finite weight";
    }
    if (w != null && w < 0f) {
      return "negative weight";
    }
    return null;
  }

  @Override
  protected String validate(Label l, ConsumerRecord<byte[], byte[]> from) {
    String reason = validate(l);
    if (reason == null) {
      long time = l.getEventTime() != null ? l.getEventTime().toEpochMilli() : from.timestamp();
      reason = eventTime.refusal(time, System.currentTimeMillis());
    }
    return reason;
  }

  @Override
  protected void origin(Label l, ConsumerRecord<byte[], byte[]> from) {
    if (l.getEventTime() == null && from.timestamp() >= 0) {
      l.setEventTime(Instant.ofEpochMilli(from.timestamp()));
    }
  }

  @Override
  protected String modelId(Label l) {
    return l.getModelId();
  }

  @Override
  protected TypeInformation<Label> recordType() {
    return OnlineTrainer.labelType();
  }
}
