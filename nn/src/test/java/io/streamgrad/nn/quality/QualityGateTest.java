package io.streamgrad.nn.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QualityGateTest {

  @Test
  void parsesAndJudgesTheWindowedMetric() {
    PrequentialMetrics m = new PrequentialMetrics(false);
    QualityGate gate = QualityGate.parse("rmse<=0.5");
    assertFalse(gate.passes(m), "no value yet: held back");
    m.add(new float[] {1f}, new float[] {1.25f}, 1);
    assertTrue(gate.passes(m));
    m.add(new float[] {0f}, new float[] {5f}, 1);
    assertFalse(gate.passes(m));
    assertEquals("auc>=0.7", QualityGate.parse(" AUC >= 0.7 ").toString());
    assertFalse(QualityGate.parse("auc>0.7").appliesTo(false));
    assertTrue(QualityGate.parse("mae<1").appliesTo(false));
  }

  @Test
  void refusesWhatItCannotRead() {
    assertEquals(
        "unknown metric 'r2' in quality gate: one of [mae, rmse, logloss, accuracy, auc]",
        assertThrows(IllegalArgumentException.class, () -> QualityGate.parse("r2>=0.5"))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> QualityGate.parse("auc=0.7"));
    assertThrows(IllegalArgumentException.class, () -> QualityGate.parse("auc>=high"));
    assertThrows(IllegalArgumentException.class, () -> QualityGate.parse("auc>=1e999"));
  }
}
