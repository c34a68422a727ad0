package io.streamgrad.autograd.kernels;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Chooses the kernel implementation once per JVM, as Lucene's {@code VectorizationProvider} does:
 * the Vector API implementation is loaded by name only when {@code jdk.incubator.vector} is in the
 * boot layer, so no class touching incubator types is linked without it.
 *
 * <p>{@code -Dstreamgrad.kernels=scalar} forces the scalar path; {@code =panama} requires the
 * Vector API and fails loudly without it.
 */
public final class KernelProvider {

  /**
   * System property that selects the implementation: {@code auto} (default), {@code panama}, {@code
   * scalar}.
   */
  public static final String PROPERTY = "streamgrad.kernels";

  private static final String PANAMA_CLASS = "io.streamgrad.autograd.kernels.PanamaKernels";
  private static final Kernels INSTANCE = select();

  private KernelProvider() {}

  /** The kernels chosen for this JVM. */
  public static Kernels get() {
    return INSTANCE;
  }

  /** The scalar kernels, always available (tests compare both). */
  public static Kernels scalar() {
    return ScalarKernels.INSTANCE;
  }

  /**
   * The Vector API kernels if this JVM can load them, else {@code null}: for tests and benchmarks
   * that compare implementations side by side.
   */
  public static Kernels panamaOrNull() {
    if (!vectorModulePresent()) {
      return null;
    }
    try {
      return loadPanama();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  private static Kernels select() {
    System.Logger log = System.getLogger(KernelProvider.class.getName());
    String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    if (wanted.equals("scalar")) {
      log.log(Level.INFO, "streamgrad kernels: scalar (forced by -D" + PROPERTY + "=scalar)");
      return ScalarKernels.INSTANCE;
    }
    if (!wanted.equals("auto") && !wanted.equals("panama")) {
      throw new IllegalArgumentException(
          "-D" + PROPERTY + " must be auto, panama or scalar, not '" + wanted + "'");
    }
    if (!vectorModulePresent()) {
      String why = "jdk.incubator.vector is not readable; add --add-modules jdk.incubator.vector";
      if (wanted.equals("panama")) {
        throw new IllegalStateException("streamgrad kernels: panama requested but " + why);
      }
      log.log(Level.INFO, "streamgrad kernels: scalar (" + why + ")");
      return ScalarKernels.INSTANCE;
    }
    try {
      Kernels k = loadPanama();
      log.log(Level.INFO, "streamgrad kernels: panama (" + k + ")");
      return k;
    } catch (ReflectiveOperationException | LinkageError e) {
      if (wanted.equals("panama")) {
        throw new IllegalStateException(
            "streamgrad kernels: panama requested but failed to load", e);
      }
      log.log(
          Level.WARNING,
          "streamgrad kernels: scalar (the Vector API kernels failed to load: " + e + ")");
      return ScalarKernels.INSTANCE;
    }
  }

  private static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  private static Kernels loadPanama() throws ReflectiveOperationException {
    Class<?> c = Class.forName(PANAMA_CLASS);
    return (Kernels) c.getDeclaredField("INSTANCE").get(null);
  }
}
