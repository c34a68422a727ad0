package io.streamgrad.jobs.format;

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
 * allocates only the sample, its id and its features. A number is correctly rounded to float (a
 * short decimal eight bytes at a time, {@link #shortDecimal}; any other by {@link #number}), and
 * where one multiplication cannot tell, by Jackson's FastDoubleParser from a reused buffer: it
 * reads exactly the floats Jackson reads. Anything else (escapes, unknown fields, any error) makes
 * it answer {@code null}: the caller then parses the record with Jackson, which reads the same
 * sample or names what is wrong, so the reasons stay Jackson's.
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
        s.label = readFloat();
        if (s.label != s.label) {
          return null;
        }
        hasLabel = true;
      } else if (is(nameStart, nameEnd, WEIGHT)) {
        s.weight = readFloat();
        if (s.weight != s.weight) {
          return null;
        }
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
      float v = readFloat();
      if (v != v) {
        return null;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = v;
      byte b = next();
      if (b != ',') { // the common case first: a comma right after the number
        pos--;
        skipSpace();
        b = next();
        if (b == ']') {
          return n == out.length ? out : Arrays.copyOf(out, n);
        }
        if (b != ',') {
          return null;
        }
      }
      // One space after the comma, or none: whichever a producer writes, it writes every time.
      if (pos < in.length && in[pos] == ' ') {
        pos++;
      }
      if (pos < in.length && in[pos] <= ' ') {
        skipSpace();
      }
    }
  }

  /** The number at the cursor as Jackson reads it into a float; NaN (no JSON number) if none. */
  private float readFloat() {
    if (pos + 3 * Long.BYTES < in.length) {
      float v = shortDecimal();
      if (v == v) {
        return v;
      }
    }
    return number() ? lastNumber() : Float.NaN;
  }

  private int numberStart;
  private int numberLength;
  private boolean numberIsInteger;
  private long significand; // the decimal digits as an integer (exact unless there were > 18)
  private boolean exactSignificand;
  private int decimalExponent; // value = significand * 10^decimalExponent (without the sign)
  private int signBit; // a float's sign bit: set for a minus sign

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
    boolean negative = p < len && b[p] == '-';
    signBit = negative ? Integer.MIN_VALUE : 0;
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

  /**
   * The common number, {@code -?d{1,7}.d{1,14}} with no exponent and at most 15 digits (what {@link
   * Float#toString} writes between 10^-3 and 10^7), straight to its float: read eight bytes at a
   * time, each run of digits measured by the first non-digit byte of a word and converted in one
   * SWAR step, and the sign applied by arithmetic, so that a number costs no branch on its digits
   * or its sign (both as random as the data). NaN, with nothing consumed, for any other shape or a
   * value {@link #toFloat} cannot round alone: the general path reads it. The caller leaves room
   * for three words.
   */
  private float shortDecimal() {
    final byte[] b = in;
    final int start = pos;
    final int sign = (((b[start] & 0xFF) ^ '-') - 1) >>> 31; // 1 for a minus sign
    int p = start + sign;
    int whole;
    long m;
    if (b[p + 1] == '.') { // one digit before the dot: most features
      whole = 1;
      m = b[p] - '0';
      if (m < 0 || m > 9) {
        return Float.NaN;
      }
    } else {
      long word = (long) LONGS.get(b, p);
      whole = leadingDigits(word);
      // A leading zero is only "0" itself (JSON has no "01"); a dot must follow the whole part.
      if (whole < 2 || whole == 8 || (word & 0xFF) == '0' || b[p + whole] != '.') {
        return Float.NaN;
      }
      m = digits(word, whole);
    }
    p += whole + 1;
    long word = (long) LONGS.get(b, p);
    long next = (long) LONGS.get(b, p + Long.BYTES);
    int fraction = leadingDigits(word);
    // The second word counts only after eight digits in the first: a mask, not a branch, since
    // seven and eight fraction digits are equally common.
    int more = leadingDigits(next) & -(fraction >>> 3);
    // At most 15 digits: the significand is below 2^53, exact in a double.
    if (fraction == 0 || whole + fraction + more > 15) {
      return Float.NaN;
    }
    m = m * POWERS_OF_TEN_LONG[fraction] + digits(word, fraction);
    m = m * POWERS_OF_TEN_LONG[more] + (digits(next, more) & -((more + 7) >>> 3));
    fraction += more;
    p += fraction;
    byte after = b[p];
    if (after == 'e' || after == 'E') {
      return Float.NaN;
    }
    // toFloat without its range checks, which pass here: m < 10^15, 10^-15 <= 10^-fraction < 1.
    float f = rounded(m * NEGATIVE_POWERS_OF_TEN[fraction], sign << 31);
    if (f == f) {
      pos = p;
    }
    return f;
  }

  private static final long[] POWERS_OF_TEN_LONG = new long[19];

  static {
    long p = 1;
    for (int i = 0; i < POWERS_OF_TEN_LONG.length; i++) {
      POWERS_OF_TEN_LONG[i] = p;
      p *= 10;
    }
  }

  /** How many of the eight bytes of {@code v} (first in the lowest) are digits before another. */
  private static int leadingDigits(long v) {
    // Each byte minus '0': a digit leaves 0 to 9. A borrow out of a smaller byte, or a carry out of
    // the sum below, only disturbs the bytes after a non-digit, which do not count.
    long x = v - 0x3030303030303030L;
    long nonDigits =
        ((x + 0x7676767676767676L) | x) & 0x8080808080808080L; // 10 and up, or negative
    return Long.numberOfTrailingZeros(nonDigits) >>> 3;
  }

  /** The value of the first {@code n} (1 to 8; 0 answers garbage) digits of {@code v}. */
  private static long digits(long v, int n) {
    return eightDigits(v << ((Long.BYTES - n) << 3)); // the others shifted out, zeros before
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
  private static final double[] NEGATIVE_POWERS_OF_TEN = new double[POWERS_OF_TEN.length];

  static {
    double p = 1;
    for (int i = 0; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = p; // exact: 10^22 is the largest power of ten a double holds exactly
      NEGATIVE_POWERS_OF_TEN[i] = Double.parseDouble("1e-" + i); // correctly rounded
      p *= 10;
    }
  }

  /**
   * The number as Jackson reads it: an integer token as a long converted to float (so -0 is 0);
   * other numbers correctly rounded to float ({@link #toFloat}, or Jackson's parser where it cannot
   * tell).
   */
  private float lastNumber() {
    if (numberIsInteger && numberLength <= 18) {
      return (float) lastLong();
    }
    if (exactSignificand) { // up to 18 digits: a double written by Python or Go (17) too
      float f = toFloat(significand, decimalExponent, signBit);
      if (f == f) {
        return f;
      }
    }
    for (int i = 0; i < numberLength; i++) {
      number[i] = (char) in[numberStart + i];
    }
    return NumberInput.parseFloat(number, 0, numberLength, true);
  }

  /**
   * {@code m * 10^e} (m below 10^18) correctly rounded to float, with {@code signBit}; NaN when
   * this fast path cannot tell. After Clinger's: m in double is within half a unit (exact up to
   * 2^53), 10^e is exact for e in [0, 22] and within half a unit for e in [-22, 0), the product
   * rounds once more, so it is within three units of the true value (a unit being the double's last
   * place); rounding it to float is correct unless it lies within {@value #HALF_WAY_MARGIN} units
   * of a float half-way point (then, and for subnormal or huge results, Jackson's parser decides).
   * A product, not a quotient: a division costs several times a multiplication.
   */
  /** Units of a double's last place around a float half-way point left to Jackson's parser. */
  private static final int HALF_WAY_MARGIN = 8;

  private static float toFloat(long m, int e, int signBit) {
    if (e < -22 || e > 22) {
      return Float.NaN;
    }
    double d = m * (e < 0 ? NEGATIVE_POWERS_OF_TEN[-e] : POWERS_OF_TEN[e]);
    return (d >= 0x1p-126 || d == 0) && d <= Float.MAX_VALUE ? rounded(d, signBit) : Float.NaN;
  }

  /**
   * {@code d}, a normal float's magnitude within three units of the true value, rounded to float
   * with {@code signBit}; NaN when it lies too close to a float half-way point to tell.
   */
  private static float rounded(double d, int signBit) {
    // The 29 mantissa bits a float drops: half way is 1 then zeros.
    long dropped = Double.doubleToRawLongBits(d) & 0x1FFF_FFFFL;
    return Math.abs(dropped - 0x1000_0000L) > HALF_WAY_MARGIN
        ? Float.intBitsToFloat(Float.floatToRawIntBits((float) d) | signBit)
        : Float.NaN;
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
