package io.streamgrad.flink.types;

import io.streamgrad.schemas.DenseSample;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * {@link DenseSample} between Flink's operators: a byte of which fields are present, then the
 * fields one after the other, arrays as a length and their values — no per-field null flags, no
 * reflection, which is what Flink's POJO serializer spent a sample's time on when the {@code keyBy}
 * shipped it to the trainer. Not used in state (samples are copied into batch buffers, never kept);
 * {@link DenseSampleSerializerTest} fails when {@link DenseSample} gains a field this does not
 * carry.
 */
public final class DenseSampleSerializer extends TypeSerializerSingleton<DenseSample> {
  private static final long serialVersionUID = 1L;

  public static final DenseSampleSerializer INSTANCE = new DenseSampleSerializer();

  private static final int HAS_MODEL_ID = 1;
  private static final int HAS_FEATURES = 2;
  private static final int HAS_EVENT_TIME = 4;
  private static final int HAS_INDICES = 8;
  private static final int HAS_VALUES = 16;
  private static final int HAS_SPARSE_PROBLEM = 32;

  private DenseSampleSerializer() {}

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public DenseSample createInstance() {
    return new DenseSample();
  }

  @Override
  public DenseSample copy(DenseSample from) {
    DenseSample to = new DenseSample();
    to.modelId = from.modelId;
    to.features = from.features == null ? null : from.features.clone();
    to.label = from.label;
    to.weight = from.weight;
    to.eventTime = from.eventTime;
    to.indices =
        from.indices == null || from.indices.length == 0 ? from.indices : from.indices.clone();
    to.values = from.values == null || from.values.length == 0 ? from.values : from.values.clone();
    to.sparseProblem = from.sparseProblem;
    to.partition = from.partition;
    return to;
  }

  @Override
  public DenseSample copy(DenseSample from, DenseSample reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(DenseSample s, DataOutputView out) throws IOException {
    boolean indices = s.indices != null && s.indices.length > 0;
    boolean values = s.values != null && s.values.length > 0;
    out.writeByte(
        (s.modelId != null ? HAS_MODEL_ID : 0)
            | (s.features != null ? HAS_FEATURES : 0)
            | (s.eventTime != null ? HAS_EVENT_TIME : 0)
            | (indices ? HAS_INDICES : 0)
            | (values ? HAS_VALUES : 0)
            | (s.sparseProblem != null ? HAS_SPARSE_PROBLEM : 0));
    if (s.modelId != null) {
      StringValue.writeString(s.modelId, out);
    }
    if (s.features != null) {
      writeFloats(s.features, out);
    }
    out.writeFloat(s.label);
    out.writeFloat(s.weight);
    out.writeInt(s.partition);
    if (s.eventTime != null) {
      out.writeLong(s.eventTime);
    }
    if (indices) {
      out.writeInt(s.indices.length);
      for (int i : s.indices) {
        out.writeInt(i);
      }
    }
    if (values) {
      writeFloats(s.values, out);
    }
    if (s.sparseProblem != null) {
      StringValue.writeString(s.sparseProblem, out);
    }
  }

  /** Empty sparse arrays come back as the sample's shared empty ones (a fresh sample's). */
  @Override
  public DenseSample deserialize(DataInputView in) throws IOException {
    DenseSample s = new DenseSample();
    int flags = in.readByte();
    if ((flags & HAS_MODEL_ID) != 0) {
      s.modelId = StringValue.readString(in);
    }
    if ((flags & HAS_FEATURES) != 0) {
      s.features = readFloats(in);
    }
    s.label = in.readFloat();
    s.weight = in.readFloat();
    s.partition = in.readInt();
    if ((flags & HAS_EVENT_TIME) != 0) {
      s.eventTime = in.readLong();
    }
    if ((flags & HAS_INDICES) != 0) {
      int[] indices = new int[in.readInt()];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = in.readInt();
      }
      s.indices = indices;
    }
    if ((flags & HAS_VALUES) != 0) {
      s.values = readFloats(in);
    }
    if ((flags & HAS_SPARSE_PROBLEM) != 0) {
      s.sparseProblem = StringValue.readString(in);
    }
    return s;
  }

  @Override
  public DenseSample deserialize(DenseSample reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    serialize(deserialize(in), out);
  }

  private static void writeFloats(float[] v, DataOutputView out) throws IOException {
    out.writeInt(v.length);
    for (float f : v) {
      out.writeFloat(f);
    }
  }

  private static float[] readFloats(DataInputView in) throws IOException {
    float[] v = new float[in.readInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = in.readFloat();
    }
    return v;
  }

  @Override
  public TypeSerializerSnapshot<DenseSample> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot (it has no configuration). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<DenseSample> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
