package io.streamgrad.schemas;

import java.io.IOException;

/**
 * A record body that decoded with bytes left over: written with another schema than its header
 * names, or corrupt.
 */
public final class TrailingBytesException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long trailing;

  public TrailingBytesException(long trailing) {
    super(trailing + " trailing bytes");
    this.trailing = trailing;
  }

  public long trailing() {
    return trailing;
  }
}
