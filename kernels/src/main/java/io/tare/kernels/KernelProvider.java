package io.tare.kernels;

import io.tare.kernels.foreign.NativeKernels;
import io.tare.kernels.scalar.ScalarKernels;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the {@link Kernels} tier once per JVM: the best available (native, then simd, then
 * scalar), logging the choice and why each better tier was passed over. The system property
 * {@value #TIER_PROPERTY} ({@code scalar}, {@code simd}, {@code native}) forces a tier and fails
 * with {@link IllegalStateException} if that tier is unavailable. Thread-safe.
 */
public final class KernelProvider {
    public static final String TIER_PROPERTY = "tare.kernels.tier";
    private static final Logger LOG = System.getLogger(KernelProvider.class.getName());

    private KernelProvider() {
    }

    private static final class Holder {
        static final Kernels SELECTED = select(System.getProperty(TIER_PROPERTY));
    }

    /** The tier chosen for this JVM (selected on first call). */
    public static Kernels get() {
        return Holder.SELECTED;
    }

    /** The given tier if it can run here. */
    public static Optional<Kernels> tier(KernelTier tier) {
        return switch (tier) {
            case SCALAR -> Optional.of(new ScalarKernels());
            case SIMD -> simd();
            case NATIVE -> NativeKernels.load();
        };
    }

    /** Every tier that can run here, scalar first. */
    public static List<Kernels> available() {
        List<Kernels> list = new ArrayList<>();
        for (KernelTier t : KernelTier.values()) {
            tier(t).ifPresent(list::add);
        }
        return list;
    }

    /** Why a tier is unavailable here, or empty if it is available. */
    public static Optional<String> unavailableReason(KernelTier tier) {
        return switch (tier) {
            case SCALAR -> Optional.empty();
            case SIMD -> SimdProbe.unavailableReason();
            case NATIVE -> NativeKernels.unavailableReason();
        };
    }

    static Kernels select(String forced) {
        if (forced != null && !forced.isBlank()) {
            KernelTier tier = KernelTier.valueOf(forced.trim().toUpperCase(java.util.Locale.ROOT));
            Kernels k = tier(tier).orElseThrow(() -> new IllegalStateException("kernel tier " + tier
                    + " forced by -D" + TIER_PROPERTY + " is unavailable: "
                    + unavailableReason(tier).orElse("unknown reason")));
            LOG.log(Level.INFO, "kernels: {0} (forced by -D{1}): {2}", tier, TIER_PROPERTY, k.description());
            return k;
        }
        for (KernelTier tier : new KernelTier[] {KernelTier.NATIVE, KernelTier.SIMD}) {
            Optional<Kernels> k = tier(tier);
            if (k.isPresent()) {
                LOG.log(Level.INFO, "kernels: {0}: {1}", tier, k.get().description());
                return k.get();
            }
            LOG.log(Level.WARNING, "kernels: {0} tier unavailable ({1}); falling back", tier,
                    unavailableReason(tier).orElse("unknown"));
        }
        Kernels scalar = new ScalarKernels();
        LOG.log(Level.WARNING, "kernels: SCALAR reference tier in use: expect much slower inference");
        return scalar;
    }

    private static Optional<Kernels> simd() {
        if (SimdProbe.unavailableReason().isPresent()) {
            return Optional.empty();
        }
        return Optional.of(SimdProbe.create());
    }
}
