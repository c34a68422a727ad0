package io.streamgrad.jobs.bench;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * Accumulators that time a job from the inside, so that job start-up and tear-down do not count:
 * {@link First} marks when the first sample passed (and counts samples), {@link Last} when the last
 * snapshot did. Each mark also reads this JVM's CPU and GC counters: {@code bench} runs the broker
 * and the MiniCluster in its own JVM, so the difference is the pipeline's cost.
 */
public final class Meters {
  public static final String FIRST_SAMPLE_MILLIS = "bench.firstSampleMillis";
  public static final String SAMPLES = "bench.samples";
  public static final String LAST_OUTPUT_MILLIS = "bench.lastOutputMillis";
  public static final String OUTPUTS = "bench.outputs";
  public static final String FIRST_CPU_NANOS = "bench.firstCpuNanos";
  public static final String LAST_CPU_NANOS = "bench.lastCpuNanos";
  public static final String FIRST_GC_MILLIS = "bench.firstGcMillis";
  public static final String LAST_GC_MILLIS = "bench.lastGcMillis";

  private Meters() {}

  /**
   * The timed run of {@code job} as its accumulators measured it: {@link First} marks and counts
   * the inputs, {@link Last} the outputs.
   */
  public static PipelineBench.Run run(String job, JobExecutionResult result) {
    long cpu =
        result.<Long>getAccumulatorResult(LAST_CPU_NANOS)
            - result.<Long>getAccumulatorResult(FIRST_CPU_NANOS);
    long gc =
        result.<Long>getAccumulatorResult(LAST_GC_MILLIS)
            - result.<Long>getAccumulatorResult(FIRST_GC_MILLIS);
    long inputs = result.<Long>getAccumulatorResult(SAMPLES);
    long outputs = result.<Long>getAccumulatorResult(OUTPUTS);
    long first = result.<Long>getAccumulatorResult(FIRST_SAMPLE_MILLIS);
    long last = result.<Long>getAccumulatorResult(LAST_OUTPUT_MILLIS);
    return new PipelineBench.Run(
        job, inputs, outputs, Math.max(1, last - first) / 1e3, cpu / 1e9, gc / 1e3);
  }

  /** Identity map on the sample stream. */
  public static final class First<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;
    private transient LongMinimum first;
    private transient LongMinimum cpu;
    private transient LongMinimum gc;
    private transient LongCounter samples;
    private transient boolean seen;

    @Override
    public void open(OpenContext openContext) {
      first = new LongMinimum();
      cpu = new LongMinimum();
      gc = new LongMinimum();
      samples = new LongCounter();
      getRuntimeContext().addAccumulator(FIRST_SAMPLE_MILLIS, first);
      getRuntimeContext().addAccumulator(FIRST_CPU_NANOS, cpu);
      getRuntimeContext().addAccumulator(FIRST_GC_MILLIS, gc);
      getRuntimeContext().addAccumulator(SAMPLES, samples);
    }

    @Override
    public T map(T value) {
      if (!seen) {
        seen = true;
        first.add(System.currentTimeMillis());
        cpu.add(PipelineBench.processCpuNanos());
        gc.add(PipelineBench.gcMillis());
      }
      samples.add(1L);
      return value;
    }
  }

  /** Identity map on the output stream (one record per batch: the clock read is cheap). */
  public static final class Last<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;
    private transient EndMarks end;

    @Override
    public void open(OpenContext openContext) {
      end = new EndMarks(getRuntimeContext());
    }

    @Override
    public T map(T value) {
      end.mark();
      return value;
    }
  }

  /**
   * Identity map that is both ends of a job that ends with it: marks and counts the inputs as
   * {@link First} does, and takes the time of its own close, once the input ended, as the last
   * output's (no clock read per record).
   */
  public static final class Through<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;
    private final First<T> first = new First<>();
    private transient EndMarks end;

    @Override
    public void setRuntimeContext(RuntimeContext context) {
      super.setRuntimeContext(context);
      first.setRuntimeContext(context);
    }

    @Override
    public void open(OpenContext openContext) {
      first.open(openContext);
      end = new EndMarks(getRuntimeContext());
    }

    @Override
    public T map(T value) {
      return first.map(value);
    }

    @Override
    public void close() {
      end.mark();
    }
  }

  /** The last output's time, CPU and GC counters, and the outputs counted. */
  private static final class EndMarks {
    private final LongMaximum last = new LongMaximum();
    private final LongMaximum cpu = new LongMaximum();
    private final LongMaximum gc = new LongMaximum();
    private final LongCounter outputs = new LongCounter();

    EndMarks(RuntimeContext context) {
      context.addAccumulator(LAST_OUTPUT_MILLIS, last);
      context.addAccumulator(LAST_CPU_NANOS, cpu);
      context.addAccumulator(LAST_GC_MILLIS, gc);
      context.addAccumulator(OUTPUTS, outputs);
    }

    void mark() {
      last.add(System.currentTimeMillis());
      cpu.add(PipelineBench.processCpuNanos());
      gc.add(PipelineBench.gcMillis());
      outputs.add(1L);
    }
  }
}
