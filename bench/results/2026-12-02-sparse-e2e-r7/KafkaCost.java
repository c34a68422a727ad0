import io.streamgrad.jobs.demo.EmbeddedKafka;
import java.lang.management.*;
import java.util.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class KafkaCost {
  static long wallSpin(long t0) { return System.nanoTime() - t0; } // the spinning sender thread burns its wall time
  public static void main(String[] a) throws Exception {
    try (EmbeddedKafka k = new EmbeddedKafka()) {
      EmbeddedKafka.createTopics(k.bootstrapServers(), 1, "t");
      com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      for (int round = 0; round < 4; round++)
      for (String spec : a) {
        String[] p = spec.split(":"); int size = Integer.parseInt(p[0]); int count = Integer.parseInt(p[1]); String batch = p.length > 2 ? p[2] : "16384"; String linger = p.length > 3 ? p[3] : "5"; long gapNs = p.length > 4 ? Long.parseLong(p[4]) * 1000 : 0;
        Properties props = new Properties();
        props.put("bootstrap.servers", k.bootstrapServers());
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("batch.size", batch); props.put("linger.ms", linger);
        byte[] v = new byte[size]; new Random(1).nextBytes(v);
        try (KafkaProducer<byte[], byte[]> pr = new KafkaProducer<>(props)) {
          pr.send(new ProducerRecord<>("t", "m".getBytes(), v)).get();
          long c0 = os.getProcessCpuTime(); long t0 = System.nanoTime();
          long next = System.nanoTime(); for (int i = 0; i < count; i++) { if (gapNs > 0) { next += gapNs; while (System.nanoTime() < next) Thread.onSpinWait(); } pr.send(new ProducerRecord<>("t", "m".getBytes(), v)); }
          pr.flush();
          long cpu = os.getProcessCpuTime() - c0 - (gapNs > 0 ? wallSpin(t0) : 0); long wall = System.nanoTime() - t0;
          System.out.printf("size %7d x %6d batch %8s linger %3s gap %s us: %7.1f us CPU/record, %6.2f ns CPU/byte, wall %5.0f ms%n", size, count, batch, linger, gapNs / 1000, cpu / 1e3 / count, cpu / (double) count / size, wall / 1e6);
        }
      }
    }
  }
}
