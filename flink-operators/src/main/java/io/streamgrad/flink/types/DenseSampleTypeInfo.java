package io.streamgrad.flink.types;

import io.streamgrad.schemas.DenseSample;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's type of {@link DenseSample}, serialized by {@link DenseSampleSerializer}. */
public final class DenseSampleTypeInfo extends TypeInformation<DenseSample> {
  private static final long serialVersionUID = 1L;

  public static final DenseSampleTypeInfo INSTANCE = new DenseSampleTypeInfo();

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<DenseSample> getTypeClass() {
    return DenseSample.class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<DenseSample> createSerializer(SerializerConfig config) {
    return DenseSampleSerializer.INSTANCE;
  }

  @Override
  public String toString() {
    return "DenseSample";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseSampleTypeInfo;
  }

  @Override
  public int hashCode() {
    return DenseSampleTypeInfo.class.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof DenseSampleTypeInfo;
  }
}
