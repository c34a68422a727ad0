package io.streamgrad.jobs;

import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.schemas.AvroTrust;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real KRaft broker for a test class: {@code @RegisterExtension static final
 * EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();}.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private EmbeddedKafka kafka;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    AvroTrust.install();
    kafka = new EmbeddedKafka();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    kafka.close();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }
}
