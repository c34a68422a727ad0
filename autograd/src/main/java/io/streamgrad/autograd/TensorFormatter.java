package io.streamgrad.autograd;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code repr(tensor)} as PyTorch prints it (torch/_tensor_str.py with default print options:
 * precision 4, line width 80, summarized above 1000 elements with 3 edge items). Numbers are
 * rounded from their exact binary value, half to even, as Python's format does.
 */
final class TensorFormatter {

  private static final int PRECISION = 4;
  private static final int LINE_WIDTH = 80;
  private static final int THRESHOLD = 1000;
  private static final int EDGE_ITEMS = 3;
  private static final String PREFIX = "tensor(";

  private TensorFormatter() {}

  static String format(Tensor t) {
    int indent = PREFIX.length();
    List<String> suffixes = new ArrayList<>();
    String body;
    if (t.numel() == 0) {
      if (t.dim() != 1) {
        suffixes.add("size=" + sizeTuple(t.shape));
      }
      body = "[]";
    } else {
      boolean summarize = t.numel() > THRESHOLD;
      NumberFormat f = new NumberFormat(summarize ? summarizedValues(t) : t.data);
      body = tensorStr(t.data, t.shape, 0, 0, indent, summarize, f);
    }
    if (t.gradFn != null) {
      suffixes.add("grad_fn=<" + t.gradFn.name() + ">");
    } else if (t.requiresGrad()) {
      suffixes.add("requires_grad=True");
    }
    return addSuffixes(PREFIX + body, suffixes, indent);
  }

  private static String sizeTuple(int[] shape) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(shape[i]);
    }
    if (shape.length == 1) {
      sb.append(',');
    }
    return sb.append(')').toString();
  }

  private static String addSuffixes(String tensorStr, List<String> suffixes, int indent) {
    StringBuilder sb = new StringBuilder(tensorStr);
    int lastLineLen = tensorStr.length() - tensorStr.lastIndexOf('\n') + 1;
    for (String suffix : suffixes) {
      if (lastLineLen + suffix.length() + 2 > LINE_WIDTH) {
        sb.append(",\n").append(" ".repeat(indent)).append(suffix);
        lastLineLen = indent + suffix.length();
      } else {
        sb.append(", ").append(suffix);
        lastLineLen += suffix.length() + 2;
      }
    }
    return sb.append(')').toString();
  }

  /** The recursive {@code _tensor_str_with_formatter}, over the sub-tensor at {@code offset}. */
  private static String tensorStr(
      float[] data,
      int[] shape,
      int dimIndex,
      int offset,
      int indent,
      boolean summarize,
      NumberFormat f) {
    int dim = shape.length - dimIndex;
    if (dim == 0) {
      return f.format(data[offset]);
    }
    int size = shape[dimIndex];
    int stride = 1;
    for (int i = dimIndex + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    if (dim == 1) {
      return vectorStr(data, offset, size, indent, summarize, f);
    }
    List<String> slices = new ArrayList<>();
    if (summarize && size > 2 * EDGE_ITEMS) {
      for (int i = 0; i < EDGE_ITEMS; i++) {
        slices.add(
            tensorStr(data, shape, dimIndex + 1, offset + i * stride, indent + 1, summarize, f));
      }
      slices.add("...");
      for (int i = size - EDGE_ITEMS; i < size; i++) {
        slices.add(
            tensorStr(data, shape, dimIndex + 1, offset + i * stride, indent + 1, summarize, f));
      }
    } else {
      for (int i = 0; i < size; i++) {
        slices.add(
            tensorStr(data, shape, dimIndex + 1, offset + i * stride, indent + 1, summarize, f));
      }
    }
    String sep = "," + "\n".repeat(dim - 1) + " ".repeat(indent + 1);
    return "[" + String.join(sep, slices) + "]";
  }

  private static String vectorStr(
      float[] data, int offset, int size, int indent, boolean summarize, NumberFormat f) {
    int elementLength = f.width() + 2;
    int perLine = Math.max(1, (int) Math.floor((LINE_WIDTH - indent) / (double) elementLength));
    List<String> items = new ArrayList<>();
    if (summarize && size > 2 * EDGE_ITEMS) {
      for (int i = 0; i < EDGE_ITEMS; i++) {
        items.add(f.format(data[offset + i]));
      }
      items.add(" ...");
      for (int i = size - EDGE_ITEMS; i < size; i++) {
        items.add(f.format(data[offset + i]));
      }
    } else {
      for (int i = 0; i < size; i++) {
        items.add(f.format(data[offset + i]));
      }
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < items.size(); i += perLine) {
      lines.add(String.join(", ", items.subList(i, Math.min(items.size(), i + perLine))));
    }
    return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
  }

  /** The values {@code get_summarized_data} keeps: 3 edge items along every dimension. */
  private static float[] summarizedValues(Tensor t) {
    List<Float> kept = new ArrayList<>();
    collectSummarized(t.data, t.shape, 0, 0, kept);
    float[] out = new float[kept.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = kept.get(i);
    }
    return out;
  }

  private static void collectSummarized(
      float[] data, int[] shape, int dimIndex, int offset, List<Float> out) {
    if (dimIndex == shape.length) {
      out.add(data[offset]);
      return;
    }
    int size = shape[dimIndex];
    int stride = 1;
    for (int i = dimIndex + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    for (int i = 0; i < size; i++) {
      if (size > 2 * EDGE_ITEMS && i == EDGE_ITEMS) {
        i = size - EDGE_ITEMS;
      }
      collectSummarized(data, shape, dimIndex + 1, offset + i * stride, out);
    }
  }

  /** PyTorch's {@code _Formatter}: picks integer, fixed or scientific mode and a common width. */
  static final class NumberFormat {
    private boolean intMode = true;
    private boolean sciMode;
    private int maxWidth = 1;

    NumberFormat(float[] values) {
      double min = Double.POSITIVE_INFINITY;
      double max = 0;
      int count = 0;
      for (float v : values) {
        if (Float.isFinite(v) && v != 0f) {
          double a = Math.abs((double) v);
          min = Math.min(min, a);
          max = Math.max(max, a);
          count++;
          if (v != (float) Math.ceil(v)) {
            intMode = false;
          }
        }
      }
      if (count == 0) {
        return;
      }
      if (intMode) {
        if (max / min > 1000.0 || max > 1.0e8) {
          sciMode = true;
        }
      } else if (max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4) {
        sciMode = true;
      }
      for (float v : values) {
        if (Float.isFinite(v) && v != 0f) {
          int len;
          if (sciMode) {
            len = sci(v).length();
          } else if (intMode) {
            len = fixed(v, 0).length() + 1;
          } else {
            len = fixed(v, PRECISION).length();
          }
          maxWidth = Math.max(maxWidth, len);
        }
      }
    }

    int width() {
      return maxWidth;
    }

    String format(float v) {
      String s;
      if (sciMode) {
        s = sci(v);
      } else if (intMode) {
        s = fixed(v, 0);
        if (Float.isFinite(v)) {
          s += ".";
        }
      } else {
        s = fixed(v, PRECISION);
      }
      return s.length() >= maxWidth ? s : " ".repeat(maxWidth - s.length()) + s;
    }

    /** Python's {@code f"{v:.{digits}f}"}. */
    static String fixed(float v, int digits) {
      if (!Float.isFinite(v)) {
        return nonFinite(v);
      }
      String body =
          new BigDecimal(Math.abs((double) v))
              .setScale(digits, RoundingMode.HALF_EVEN)
              .toPlainString();
      return (isNegative(v) ? "-" : "") + body;
    }

    /**
     * Python's {@code f"{v:.4e}"}: mantissa with 4 decimals, exponent with a sign and 2+ digits.
     */
    static String sci(float v) {
      if (!Float.isFinite(v)) {
        return nonFinite(v);
      }
      String sign = isNegative(v) ? "-" : "";
      if (v == 0f) {
        return sign + "0." + "0".repeat(PRECISION) + "e+00";
      }
      BigDecimal rounded =
          new BigDecimal(Math.abs((double) v))
              .round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
      int exponent = rounded.precision() - rounded.scale() - 1;
      BigDecimal mantissa =
          rounded.movePointLeft(exponent).setScale(PRECISION, RoundingMode.HALF_EVEN);
      String exp = String.format("%02d", Math.abs(exponent));
      return sign + mantissa.toPlainString() + "e" + (exponent < 0 ? "-" : "+") + exp;
    }

    private static boolean isNegative(float v) {
      return v < 0f || (v == 0f && 1f / v < 0f);
    }

    private static String nonFinite(float v) {
      return Float.isNaN(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    }
  }
}
