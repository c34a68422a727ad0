package io.streamgrad.jobs;

import com.fasterxml.jackson.core.io.NumberInput;
import io.streamgrad.schemas.DenseSample;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link JsonSampleDecoder}: a byte-level scanner for the common shape of a JSON
 * sample (an object of {@code modelId}, {@code features}, {@code label}, {@code weight}, {@code
 * eventTime} in any order, ASCII model ids without escapes, numbers in JSON's grammar). It
 * allocates only the sample, its id and its features, and parses floats with Jackson's
 * FastDoubleParser from a reused buffer, so it reads exactly the floats Jackson reads. Anything
 * else (escapes, unknown fields, any error) makes it answer {@code null}: the caller then parses
 * the record with Jackson, which reads the same sample or names what is wrong, so the reasons stay
 * Jackson's.
 */
final class JsonSampleScanner {
  private static final byte[] MODEL_ID = ascii("modelId");
  private static final byte[] FEATURES = ascii("features");
  private static final byte[] LABEL = ascii("label");
  private static final byte[] WEIGHT = ascii("weight");
  private static final byte[] EVENT_TIME = ascii("eventTime");
  private static final byte[] NULL = ascii("null");

  /** Longest number taken on the fast path; longer ones (rare) go to Jackson. */
  private static final int MAX_NUMBER_CHARS = 64;

  private final char[] number = new char[MAX_NUMBER_CHARS];
  private final int features;

  private byte[] in;
  private int pos;

  JsonSampleScanner(int features) {
    this.features = features;
  }

  /** The sample, or null when the record needs the general parser. */
  DenseSample scan(byte[] record) {
    in = record;
    pos = 0;
    try {
      return object();
    } finally {
      in = null;
    }
  }

  private DenseSample object() {
    if (!skipTo('{')) {
      return null;
    }
    DenseSample s = new DenseSample();
    boolean hasId = false;
    boolean hasFeatures = false;
    boolean hasLabel = false;
    skipSpace();
    if (peek() == '}') {
      return null;
    }
    while (true) {
      int nameStart = stringBody();
      int nameEnd = pos - 1;
      if (nameStart < 0 || !skipTo(':')) {
        return null;
      }
      skipSpace();
      if (is(nameStart, nameEnd, MODEL_ID)) {
        int start = stringBody();
        if (start < 0) {
          return null;
        }
        s.modelId = new String(in, start, pos - 1 - start, StandardCharsets.ISO_8859_1);
        hasId = true;
      } else if (is(nameStart, nameEnd, FEATURES)) {
        s.features = floats();
        if (s.features == null) {
          return null;
        }
        hasFeatures = true;
      } else if (is(nameStart, nameEnd, LABEL)) {
        if (!number()) {
          return null;
        }
        s.label = lastNumber();
        hasLabel = true;
      } else if (is(nameStart, nameEnd, WEIGHT)) {
        if (!number()) {
          return null;
        }
        s.weight = lastNumber();
      } else if (is(nameStart, nameEnd, EVENT_TIME)) {
        if (literal(NULL)) {
          s.eventTime = null;
        } else if (!integer()) {
          return null;
        } else {
          s.eventTime = lastLong();
        }
      } else {
        return null; // an unknown field: Jackson skips it
      }
      skipSpace();
      byte b = next();
      if (b == '}') {
        break;
      }
      if (b != ',') {
        return null;
      }
      skipSpace();
    }
    skipSpace();
    return pos == in.length && hasId && hasFeatures && hasLabel ? s : null;
  }

  private float[] floats() {
    if (next() != '[') {
      return null;
    }
    float[] out = new float[Math.max(1, features)];
    int n = 0;
    skipSpace();
    if (peek() == ']') {
      pos++;
      return new float[0];
    }
    while (true) {
      if (!number()) {
        return null;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = lastNumber();
      skipSpace();
      byte b = next();
      if (b == ']') {
        return n == out.length ? out : Arrays.copyOf(out, n);
      }
      if (b != ',') {
        return null;
      }
      skipSpace();
    }
  }

  private int numberStart;
  private int numberLength;
  private boolean numberIsInteger;
  private long significand; // the decimal digits as an integer (exact unless there were > 18)
  private boolean exactSignificand;
  private int decimalExponent; // value = significand * 10^decimalExponent (without the sign)
  private boolean negative;

  /**
   * A number in JSON's grammar, {@code -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?}, scanned in one pass with
   * its digits accumulated for {@link #lastNumber}'s fast path and its place noted for the general
   * one.
   */
  private boolean number() {
    final byte[] b = in;
    final int len = b.length;
    int p = pos;
    final int start = p;
    long m = 0;
    int digits = 0; // accumulated into m, leading zeros included: at most 18, so m cannot overflow
    boolean tooMany = false; // more digits than m holds: only the general path is exact
    int exp = 0;
    negative = p < len && b[p] == '-';
    if (negative) {
      p++;
    }
    if (p < len && b[p] == '0') {
      p++;
    } else {
      int first = p;
      while (p < len && isDigit(b[p])) {
        if (digits < 18) {
          m = 10 * m + (b[p] - '0');
          digits++;
        } else {
          tooMany = true;
        }
        p++;
      }
      if (p == first) {
        return false;
      }
    }
    boolean integer = true;
    if (p < len && b[p] == '.') {
      integer = false;
      int first = ++p;
      // Eight, then four digits at a time (SWAR), then one by one.
      while (digits <= 10 && p + 8 <= len) {
        long eight = (long) LONGS.get(b, p);
        if (!allDigits(eight)) {
          break;
        }
        m = m * 100_000_000L + eightDigits(eight);
        digits += 8;
        exp -= 8;
        p += 8;
      }
      if (digits <= 14 && p + 4 <= len) {
        int four = (int) INTS.get(b, p);
        if (allDigits(four)) {
          m = m * 10_000L + fourDigits(four);
          digits += 4;
          exp -= 4;
          p += 4;
        }
      }
      while (p < len && isDigit(b[p])) {
        if (digits < 18) {
          m = 10 * m + (b[p] - '0');
          digits++;
          exp--;
        } else {
          tooMany = true;
        }
        p++;
      }
      if (p == first) {
        return false;
      }
    }
    if (p < len && (b[p] == 'e' || b[p] == 'E')) {
      integer = false;
      p++;
      boolean minus = false;
      if (p < len && (b[p] == '+' || b[p] == '-')) {
        minus = b[p] == '-';
        p++;
      }
      int first = p;
      int e = 0;
      while (p < len && isDigit(b[p])) {
        e = Math.min(100_000, 10 * e + (b[p] - '0'));
        p++;
      }
      if (p == first) {
        return false;
      }
      exp += minus ? -e : e;
    }
    int n = p - start;
    if (n > MAX_NUMBER_CHARS || (p < len && isDigit(b[p]))) {
      return false;
    }
    pos = p;
    numberStart = start;
    numberLength = n;
    numberIsInteger = integer;
    significand = m;
    exactSignificand = !tooMany;
    decimalExponent = exp;
    return true;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** Whether all eight bytes of {@code v} are ASCII digits. */
  private static boolean allDigits(long v) {
    return ((v & 0xF0F0F0F0F0F0F0F0L) | (((v + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) >>> 4))
        == 0x3333333333333333L;
  }

  private static boolean allDigits(int v) {
    return ((v & 0xF0F0F0F0) | (((v + 0x06060606) & 0xF0F0F0F0) >>> 4)) == 0x33333333;
  }

  /** The value of eight ASCII digits, first digit in the lowest byte (Lemire's SWAR). */
  private static long eightDigits(long v) {
    v = (v & 0x0F0F0F0F0F0F0F0FL) * 2561 >>> 8;
    v = (v & 0x00FF00FF00FF00FFL) * 6553601 >>> 16;
    return (v & 0x0000FFFF0000FFFFL) * 42949672960001L >>> 32;
  }

  private static int fourDigits(int v) {
    long x = (v & 0x0F0F0F0FL) * 2561 >>> 8; // in long: the second product needs 48 bits
    x = (x & 0x00FF00FFL) * 6553601 >>> 16;
    return (int) (x & 0xFFFF);
  }

  /** An integer Jackson would read as a long (at most 18 digits, so no overflow). */
  private boolean integer() {
    return number() && numberIsInteger && numberLength <= 18;
  }

  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = p; // exact: 10^22 is the largest power of ten a double holds exactly
      p *= 10;
    }
  }

  /**
   * The number as Jackson reads it: an integer token as a long converted to float (so -0 is 0);
   * other numbers correctly rounded to float. Fast path (Clinger's): a significand of at most 2^53
   * and a power of ten of at most 22 are exact in double, so their quotient or product is the
   * correctly rounded double; rounding that to float is correct unless the double sits exactly on a
   * float half-way point (then, and for subnormal or huge results, Jackson's parser decides).
   */
  private float lastNumber() {
    if (numberIsInteger && numberLength <= 18) {
      return (float) lastLong();
    }
    int e = decimalExponent;
    if (exactSignificand && significand <= 1L << 53 && e >= -22 && e <= 22) {
      double d = e < 0 ? significand / POWERS_OF_TEN[-e] : significand * POWERS_OF_TEN[e];
      if (d == 0) {
        return negative ? -0f : 0f;
      }
      long bits = Double.doubleToRawLongBits(d);
      // The 29 mantissa bits a float drops: exactly half way (1 then zeros) is the one ambiguous
      // case of rounding twice.
      if ((bits & 0x1FFF_FFFFL) != 0x1000_0000L && d >= 0x1p-126 && d <= Float.MAX_VALUE) {
        float f = (float) d;
        return negative ? -f : f;
      }
    }
    for (int i = 0; i < numberLength; i++) {
      number[i] = (char) in[numberStart + i];
    }
    return NumberInput.parseFloat(number, 0, numberLength, true);
  }

  private long lastLong() {
    boolean negative = in[numberStart] == '-';
    long v = 0;
    for (int i = negative ? 1 : 0; i < numberLength; i++) {
      v = 10 * v + (in[numberStart + i] - '0');
    }
    return negative ? -v : v;
  }

  /** After an opening quote (skipped here), the body's start; -1 unless plain ASCII, no escapes. */
  private int stringBody() {
    if (next() != '"') {
      return -1;
    }
    int start = pos;
    while (pos < in.length) {
      byte b = in[pos++];
      if (b == '"') {
        return start;
      }
      if (b == '\\' || b < 0x20) { // an escape, a control or a non-ASCII byte (negative)
        return -1;
      }
    }
    return -1;
  }

  private boolean literal(byte[] word) {
    if (pos + word.length > in.length) {
      return false;
    }
    for (int i = 0; i < word.length; i++) {
      if (in[pos + i] != word[i]) {
        return false;
      }
    }
    pos += word.length;
    return true;
  }

  private boolean is(int start, int end, byte[] name) {
    return Arrays.equals(in, start, end, name, 0, name.length);
  }

  private boolean skipTo(char c) {
    skipSpace();
    return next() == c;
  }

  private void skipSpace() {
    while (pos < in.length) {
      byte b = in[pos];
      // Most calls find a token at once: every byte above the space is one (one comparison).
      if (b > ' ' || (b != ' ' && b != '\n' && b != '\r' && b != '\t')) {
        return;
      }
      pos++;
    }
  }

  private byte peek() {
    return pos < in.length ? in[pos] : 0;
  }

  private byte next() {
    return pos < in.length ? in[pos++] : 0;
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
