package io.streamgrad.schemas;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes outside a trusted list when decoding specific records
 * ({@code Forbidden io.streamgrad.schemas.Sample! This class is not trusted…}). {@link #install()}
 * adds this package to the JVM-wide trusted set, keeping every other rule; call it before the first
 * decode (streamgrad's operators and jobs do, on every task manager).
 */
public final class AvroTrust {

  private static final String PACKAGE = AvroTrust.class.getPackageName() + ".";
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  private AvroTrust() {}

  /** Idempotent. */
  public static void install() {
    if (INSTALLED.compareAndSet(false, true)) {
      ClassSecurityValidator.setGlobal(
          ClassSecurityValidator.composite(
              ClassSecurityValidator.getGlobal(), c -> c.getName().startsWith(PACKAGE)));
    }
  }
}
