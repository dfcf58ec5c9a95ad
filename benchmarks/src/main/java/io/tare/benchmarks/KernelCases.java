package io.tare.benchmarks;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import java.util.SplittableRandom;

/**
 * Our kernels as benchmark cases. Implementations: {@code fp32-simd}; {@code int8-simd},
 * {@code int8-native} (pre-quantized u8 activations x s8 weights -> exact int32, the work of ORT
 * MatMulInteger); {@code dqint8-simd}, {@code dqint8-native} (dynamic per-row quantization + INT8
 * GEMM + dequantizing epilogue, the work of ORT DynamicQuantizeMatMul); {@code w8a32-simd},
 * {@code w8a32-native}. {@code int8w7-*} and {@code dqint8w7-*} are {@code int8} and {@code dqint8}
 * with weights quantized to 7 bits (max|w| / 63), which the native AVX2 tier multiplies with its
 * VPMADDUBSW kernel.
 */
final class KernelCases {
    private KernelCases() {
    }

    static boolean handles(String impl) {
        return impl.startsWith("fp32-") || impl.startsWith("int8-") || impl.startsWith("dqint8-")
                || impl.startsWith("w8a32-");
    }

    static BenchCase create(BenchSpec s, ComputePool pool) {
        String tierName = s.impl().substring(s.impl().indexOf('-') + 1);
        KernelTier tier = KernelTier.valueOf(tierName.toUpperCase(java.util.Locale.ROOT));
        Kernels kernels = KernelProvider.tier(tier).orElseThrow(() -> new IllegalStateException(
                tier + " tier unavailable: " + KernelProvider.unavailableReason(tier).orElse("")));
        Gemm gemm = new Gemm(kernels, s.threads() > 1 ? pool : null);
        int m = s.m(), k = s.k(), n = s.n();
        float[] a = randomFloats(m * k, 1);
        float[] w = randomFloats(k * n, 2);
        String variant = s.impl().substring(0, s.impl().indexOf('-'));
        int weightBits = variant.endsWith("w7") ? 7 : 8;
        String kind = weightBits == 7 ? variant.substring(0, variant.length() - 2) : variant;
        long weightBytes = kind.equals("fp32") ? 4L * k * n : (long) k * n;
        int copies = s.dram() ? (int) Math.max(1, (BenchSpec.DRAM_BYTES + weightBytes - 1) / weightBytes) : 1;
        switch (kind) {
            case "fp32" -> {
                PackedFloatMatrix[] packs = (PackedFloatMatrix[]) CACHE.computeIfAbsent(cacheKey(s, "fp32", kernels), key -> {
                    PackedFloatMatrix first = gemm.packFloat(w, 0, k, n, false);
                    PackedFloatMatrix[] p = new PackedFloatMatrix[copies];
                    for (int i = 0; i < copies; i++) {
                        p[i] = i == 0 ? first : first.copy();
                    }
                    return p;
                });
                float[] c = new float[m * n];
                return new Rotating() {
                    @Override
                    public void run() {
                        gemm.sgemm(a, 0, k, m, packs[next(copies)], c, 0, n, Epilogue.NONE);
                    }
                };
            }
            case "int8", "dqint8", "w8a32" -> {
                String packKind = weightBits == 7 ? "int8w7" : "int8";
                PackedInt8Matrix[] packs = (PackedInt8Matrix[]) CACHE.computeIfAbsent(cacheKey(s, packKind, kernels), key -> {
                    PackedInt8Matrix first = gemm.quantizeWeights(w, 0, k, n, false, weightBits);
                    PackedInt8Matrix[] p = new PackedInt8Matrix[copies];
                    for (int i = 0; i < copies; i++) {
                        p[i] = i == 0 ? first : first.copy();
                    }
                    return p;
                });
                ActivationQuantizer quantizer = new ActivationQuantizer(kernels);
                QuantizedRows rows = new QuantizedRows(m, k);
                quantizer.perRow(a, 0, k, m, rows);
                float[] cf = new float[m * n];
                int[] ci = new int[m * n];
                return switch (kind) {
                    case "int8" -> new Rotating() {
                        @Override
                        public void run() {
                            gemm.int8Exact(rows, packs[next(copies)], ci, 0, n);
                        }
                    };
                    case "dqint8" -> new Rotating() {
                        @Override
                        public void run() {
                            quantizer.perRow(a, 0, k, m, rows);
                            gemm.int8(rows, packs[next(copies)], cf, 0, n, Epilogue.NONE);
                        }
                    };
                    default -> new Rotating() {
                        @Override
                        public void run() {
                            gemm.w8a32(a, 0, k, m, packs[next(copies)], cf, 0, n, Epilogue.NONE);
                        }
                    };
                };
            }
            default -> throw new IllegalArgumentException("unknown implementation " + s.impl());
        }
    }

    /** Packed weights per (shape, weight type, tier): 1- and 2-thread rows share them. */
    private static final java.util.Map<String, Object[]> CACHE = new java.util.HashMap<>();

    private static String cacheKey(BenchSpec s, String kind, Kernels kernels) {
        return s.shape() + "/" + kind + "/" + kernels.tier();
    }

    /** Frees cached weights of other shapes (keeps memory bounded to one shape's copies). */
    static void retainOnly(BenchSpec s) {
        CACHE.keySet().removeIf(key -> !key.startsWith(s.shape() + "/"));
    }

    /** Cycles through weight copies so that consecutive calls touch different memory. */
    private abstract static class Rotating implements BenchCase {
        private int index;

        final int next(int copies) {
            int i = index;
            index = i + 1 == copies ? 0 : i + 1;
            return i;
        }
    }

    static float[] randomFloats(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }
}
