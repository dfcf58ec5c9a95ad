package io.tare.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.foreign.NativeKernels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Makes a missing tier a failure rather than a silently shorter suite: with the Vector API module
 * loaded the simd tier must run; on a build machine with gcc and an AVX2 CPU the native tier must
 * load.
 */
class TierAvailabilityTest {

    @Test
    void simdTierRunsWhenTheVectorModuleIsLoaded() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "tests must run with --add-modules jdk.incubator.vector");
        assertTrue(KernelProvider.tier(KernelTier.SIMD).isPresent(),
                () -> "simd unavailable: " + KernelProvider.unavailableReason(KernelTier.SIMD).orElse(""));
    }

    @Test
    void nativeTierLoadsWhereGccBuiltIt() throws Exception {
        boolean gcc = Files.exists(Path.of("/usr/bin/gcc"));
        boolean avx2 = Files.readString(Path.of("/proc/cpuinfo")).contains(" avx2 ");
        if (gcc && avx2) {
            assertTrue(KernelProvider.tier(KernelTier.NATIVE).isPresent(),
                    () -> "native tier expected: " + NativeKernels.unavailableReason().orElse(""));
        } else {
            assertTrue(KernelProvider.tier(KernelTier.NATIVE).isEmpty() || avx2,
                    "native tier present on a CPU without AVX2");
        }
    }

    @Test
    void forcingAnUnavailableOrUnknownTierFails() {
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.select("gpu"));
        if (KernelProvider.tier(KernelTier.NATIVE).isEmpty()) {
            assertThrows(IllegalStateException.class, () -> KernelProvider.select("native"));
        }
        assertEquals(KernelTier.SCALAR, KernelProvider.select("scalar").tier());
    }

    @Test
    void selectionPrefersTheFastestTier() {
        KernelTier best = KernelProvider.available().getLast().tier();
        assertEquals(best, KernelProvider.select(null).tier());
    }
}
