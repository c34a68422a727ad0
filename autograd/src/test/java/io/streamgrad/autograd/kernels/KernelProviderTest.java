package io.streamgrad.autograd.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The provider picks Panama exactly when the module is readable and scalar is not forced. */
class KernelProviderTest {

  @Test
  void choiceFollowsTheModuleAndTheProperty() {
    boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    boolean forcedScalar = "scalar".equals(System.getProperty(KernelProvider.PROPERTY));
    String expected = module && !forcedScalar ? "panama" : "scalar";
    assertEquals(expected, KernelProvider.get().name());
    if (module) {
      assertNotNull(KernelProvider.panamaOrNull());
    } else {
      assertNull(KernelProvider.panamaOrNull(), "no incubator class may load without the module");
    }
  }
}
