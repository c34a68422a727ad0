package io.streamgrad.online.serving;

import io.streamgrad.schemas.DenseRequest;

/**
 * A request waiting in keyed state for its model's first snapshot, with when it arrived (a Flink
 * POJO).
 */
public class PendingRequest {
  public DenseRequest request;
  public long arrivedMillis;

  public PendingRequest() {}

  public PendingRequest(DenseRequest request, long arrivedMillis) {
    this.request = request;
    this.arrivedMillis = arrivedMillis;
  }
}
