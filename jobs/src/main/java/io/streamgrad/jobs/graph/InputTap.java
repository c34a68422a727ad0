package io.streamgrad.jobs.graph;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * What a job graph puts between its decoded input and its work. Production jobs put nothing ({@link
 * #NONE}); {@code local --fail-after} and tests decorate the input with failure injection, so chaos
 * is never part of the production graph.
 */
@FunctionalInterface
public interface InputTap {

  /** The input as it is. */
  InputTap NONE =
      new InputTap() {
        @Override
        public <T> DataStream<T> apply(DataStream<T> input, TypeInformation<T> type) {
          return input;
        }
      };

  <T> DataStream<T> apply(DataStream<T> input, TypeInformation<T> type);
}
