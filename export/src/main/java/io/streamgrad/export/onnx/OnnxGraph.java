package io.streamgrad.export.onnx;

import com.google.protobuf.UnsafeByteOperations;
import io.streamgrad.export.onnx.proto.OnnxProto.AttributeProto;
import io.streamgrad.export.onnx.proto.OnnxProto.GraphProto;
import io.streamgrad.export.onnx.proto.OnnxProto.NodeProto;
import io.streamgrad.export.onnx.proto.OnnxProto.TensorProto;
import io.streamgrad.export.onnx.proto.OnnxProto.TensorShapeProto;
import io.streamgrad.export.onnx.proto.OnnxProto.TypeProto;
import io.streamgrad.export.onnx.proto.OnnxProto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An ONNX graph written op by op (opset {@value OnnxExporter#OPSET}): inputs, initializers (raw
 * little-endian data, as ONNX stores them), nodes whose outputs get fresh names, outputs.
 * Dimensions are numbers or symbolic names ({@code "batch"}). What a user's {@link OnnxExportable}
 * model writes its forward pass with.
 */
public final class OnnxGraph {
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private int names;

  OnnxGraph(String name) {
    graph.setName(name);
  }

  /** A graph input; returns its name. */
  String input(String name, TensorProto.DataType type, Object... dims) {
    graph.addInput(valueInfo(name, type, dims));
    return name;
  }

  /** Names {@code value} a graph output. */
  void output(String value, String name, TensorProto.DataType type, Object... dims) {
    if (!value.equals(name)) {
      node("Identity", new String[] {value}, name, null);
    }
    graph.addOutput(valueInfo(name, type, dims));
  }

  /** A float constant (or a parameter's values) of shape {@code dims}; returns its name. */
  public String floats(String name, float[] values, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return initializer(name, TensorProto.DataType.FLOAT, b, dims);
  }

  String doubles(String name, double[] values, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(values);
    return initializer(name, TensorProto.DataType.DOUBLE, b, dims);
  }

  /** A 1-d int64 constant (axes, shapes); returns its name. */
  public String longs(String name, long... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return initializer(name, TensorProto.DataType.INT64, b, new long[] {values.length});
  }

  private String initializer(String name, TensorProto.DataType type, ByteBuffer data, long[] dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
    for (long d : dims) {
      t.addDims(d);
    }
    // The buffer is this tensor's alone and never written again: wrapped, not copied.
    graph.addInitializer(t.setRawData(UnsafeByteOperations.unsafeWrap(data.array())));
    return name;
  }

  /** A node of {@code op} over {@code inputs}; returns its (fresh) output's name. */
  public String op(String op, String... inputs) {
    String out = op.toLowerCase() + "_" + names++;
    node(op, inputs, out, null);
    return out;
  }

  /** A node of {@code op} with one integer attribute; returns its output's name. */
  public String op(String op, String attribute, long value, String... inputs) {
    String out = op.toLowerCase() + "_" + names++;
    node(
        op,
        inputs,
        out,
        AttributeProto.newBuilder()
            .setName(attribute)
            .setType(AttributeProto.AttributeType.INT)
            .setI(value)
            .build());
    return out;
  }

  private void node(String op, String[] inputs, String output, AttributeProto attribute) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
    for (String in : inputs) {
      n.addInput(in);
    }
    if (attribute != null) {
      n.addAttribute(attribute);
    }
    graph.addNode(n);
  }

  GraphProto build() {
    return graph.build();
  }

  private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String symbol) {
        dim.setDimParam(symbol);
      } else {
        dim.setDimValue(((Number) d).longValue());
      }
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }
}
