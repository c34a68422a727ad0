package io.streamgrad.autograd;

/**
 * Grad mode, thread-local like PyTorch's: {@code try (var off = Grad.disabled()) { ... }} is {@code
 * with torch.no_grad():}, and {@link #enabled()} is {@code torch.enable_grad()}. Scopes nest:
 * closing one restores the mode that was in force when it was opened.
 */
public final class Grad {

  private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

  /**
   * One thread's grad mode, with the two scopes that can restore it (allocated once per thread).
   */
  private static final class State {
    boolean enabled = true;
    final Scope restoresEnabled = new Scope(this, true);
    final Scope restoresDisabled = new Scope(this, false);
  }

  private Grad() {}

  /** Whether operations on this thread record a graph for backward. */
  public static boolean isEnabled() {
    return STATE.get().enabled;
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
    State state = STATE.get();
    Scope scope = state.enabled ? state.restoresEnabled : state.restoresDisabled;
    state.enabled = on;
    return scope;
  }

  /**
   * A grad-mode scope; closing restores the mode in force when it was opened. Close it once, on the
   * thread that opened it (try-with-resources does both). A scope holds only the mode to restore,
   * so each thread has two, made once: opening one allocates nothing.
   */
  public static final class Scope implements AutoCloseable {
    private final State state;
    private final boolean previous;

    private Scope(State state, boolean previous) {
      this.state = state;
      this.previous = previous;
    }

    /** Whether graph recording was on when this scope was opened. */
    public boolean previous() {
      return previous;
    }

    @Override
    public void close() {
      state.enabled = previous;
    }
  }
}
