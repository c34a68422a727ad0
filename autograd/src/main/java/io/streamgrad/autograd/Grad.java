package io.streamgrad.autograd;

/**
 * Grad mode, thread-local like PyTorch's: {@code try (var off = Grad.disabled()) { ... }} is
 * {@code with torch.no_grad():}, and {@link #enabled()} is {@code torch.enable_grad()}. Scopes nest:
 * closing one restores the mode that was in force when it was opened.
 */
public final class Grad {

  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private Grad() {}

  /** Whether operations on this thread record a graph for backward. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Turns graph recording off on this thread until the returned scope is closed. */
  public static Scope disabled() {
    return set(false);
  }

  /** Turns graph recording on on this thread until the returned scope is closed. */
  public static Scope enabled() {
    return set(true);
  }

  private static Scope set(boolean on) {
    boolean[] cell = ENABLED.get();
    Scope scope = new Scope(cell, cell[0]);
    cell[0] = on;
    return scope;
  }

  /** A grad-mode scope; closing restores the previous mode. Close it on the thread that opened it. */
  public static final class Scope implements AutoCloseable {
    private final boolean[] cell;
    private final boolean previous;
    private boolean closed;

    private Scope(boolean[] cell, boolean previous) {
      this.cell = cell;
      this.previous = previous;
    }

    /** Whether graph recording was on when this scope was opened. */
    public boolean previous() {
      return previous;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        cell[0] = previous;
      }
    }
  }
}
