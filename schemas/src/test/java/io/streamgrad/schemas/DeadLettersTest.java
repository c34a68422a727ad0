package io.streamgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  static {
    AvroTrust.install();
  }

  private static byte[] payload(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  private static DeadLetter letter(byte[] payload) {
    return DeadLetters.of("malformed Avro body: EOFException", "m1", ByteBuffer.wrap(payload), 1L)
        .setSourceTopic("samples")
        .setOffset(3L)
        .build();
  }

  @Test
  void aDeadLetterThatFitsIsLeftAlone() {
    DeadLetter d = letter(payload(1000));
    assertSame(d, DeadLetters.fit(d, 2000));
    assertNull(d.getPayloadSize());
  }

  @Test
  void aPayloadTooLargeIsCutToAPrefixThatSaysSo() throws Exception {
    byte[] whole = payload(1_048_508);
    DeadLetter d = letter(whole);
    for (int limit : new int[] {1_000_000, 65_536, 300}) {
      DeadLetter cut = DeadLetters.fit(d, limit);
      int size = DeadLetters.encodedSize(cut);
      assertTrue(size <= limit && size > limit - 20, limit + " -> " + size);
      assertEquals(1_048_508L, cut.getPayloadSize());
      assertEquals(
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(whole)),
          cut.getPayloadSha256());
      byte[] kept = SingleObjectEncodingTest.toBytes(cut.getPayload());
      assertArrayEquals(Arrays.copyOf(whole, kept.length), kept, "a prefix of the original");
      assertEquals(d.getReason(), cut.getReason());
      assertEquals(3L, cut.getOffset());
      // Decodes like any dead letter.
      assertEquals(cut, DeadLetter.fromByteBuffer(cut.toByteBuffer()));
    }
  }

  @Test
  void cuttingTwiceKeepsTheOriginalSizeAndHash() {
    DeadLetter once = DeadLetters.truncate(letter(payload(5000)), 1000);
    DeadLetter twice = DeadLetters.fit(once, 400);
    assertEquals(5000L, twice.getPayloadSize());
    assertEquals(once.getPayloadSha256(), twice.getPayloadSha256());
  }

  @Test
  void longModelIdsAreCut() {
    DeadLetter d =
        DeadLetters.of(
                "model id longer than 256 characters",
                "é".repeat(2_000_000),
                ByteBuffer.wrap(new byte[0]),
                1L)
            .build();
    assertEquals("é".repeat(DenseSample.MAX_MODEL_ID_LENGTH), d.getModelId());
    assertNull(
        DeadLetters.of("empty record", null, ByteBuffer.wrap(new byte[0]), 1L)
            .build()
            .getModelId());
    ByteBuffer unused = d.getPayload();
    assertEquals(0, unused.remaining());
  }
}
