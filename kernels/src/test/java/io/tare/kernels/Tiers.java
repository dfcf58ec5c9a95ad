package io.tare.kernels;

import java.util.List;
import java.util.stream.Stream;

/** Test parameter source: every tier available on this machine (scalar always among them). */
public final class Tiers {
    /** The tail sizes every tier is checked at. */
    public static final int[] TAIL_SIZES = {1, 7, 13, 16, 31, 64, 127, 1021, 4096, 4098};

    private Tiers() {
    }

    public static Stream<Kernels> all() {
        List<Kernels> tiers = KernelProvider.available();
        return tiers.stream();
    }

    public static Kernels scalar() {
        return KernelProvider.tier(KernelTier.SCALAR).orElseThrow();
    }
}
