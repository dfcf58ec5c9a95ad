package io.tare.server.engine;

import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;

/**
 * How to load a model. Immutable; build with the {@code with*} methods from {@link #DEFAULT}.
 *
 * @param mode how float layers run (see {@link ExecutionMode})
 * @param optimize run the graph passes (constant folding, BatchNormalization folding, fusion,
 *     dead-node removal); off only to debug the passes themselves
 * @param perRowActivations in DYNAMIC mode, one activation scale per row (token) instead of one per
 *     tensor
 * @param scaleTable activation scales for STATIC mode; required there, ignored otherwise
 * @param tap where quantization points report activations; {@link QuantizationTap#NONE} for off
 * @param intraOpThreads threads one run of the model may use (the caller plus pinned workers of a
 *     shared pool); 1, the default, runs on the caller alone, which is what a server running one
 *     instance per core wants
 * @param weightBits the bits DYNAMIC and STATIC modes quantize float weights to: 8 (scale max|w| / 127,
 *     the default) or 7 (max|w| / 63, ONNX Runtime's {@code reduce_range}), which on CPUs without VNNI
 *     lets the native tier use its faster VPMADDUBSW kernel, exactly; pre-quantized weights keep theirs
 */
public record EngineOptions(ExecutionMode mode, boolean optimize, boolean perRowActivations, ScaleTable scaleTable,
        QuantizationTap tap, int intraOpThreads, int weightBits) {

    public static final ExecutionMode DEFAULT_MODE = ExecutionMode.FP32;
    public static final int DEFAULT_INTRA_OP_THREADS = 1;
    public static final int DEFAULT_WEIGHT_BITS = 8;
    public static final EngineOptions DEFAULT = new EngineOptions(DEFAULT_MODE, true, false, null, QuantizationTap.NONE,
            DEFAULT_INTRA_OP_THREADS, DEFAULT_WEIGHT_BITS);

    public EngineOptions {
        if (mode == ExecutionMode.STATIC && scaleTable == null) {
            throw new IllegalArgumentException("STATIC mode needs a scale table");
        }
        if (tap == null) {
            tap = QuantizationTap.NONE;
        }
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
        WeightBits.check(weightBits);
    }

    /** Options with {@link #DEFAULT_INTRA_OP_THREADS} and {@link #DEFAULT_WEIGHT_BITS}. */
    public EngineOptions(ExecutionMode mode, boolean optimize, boolean perRowActivations, ScaleTable scaleTable,
            QuantizationTap tap) {
        this(mode, optimize, perRowActivations, scaleTable, tap, DEFAULT_INTRA_OP_THREADS, DEFAULT_WEIGHT_BITS);
    }

    public EngineOptions withMode(ExecutionMode m) {
        return new EngineOptions(m, optimize, perRowActivations, scaleTable, tap, intraOpThreads, weightBits);
    }

    public EngineOptions withOptimize(boolean o) {
        return new EngineOptions(mode, o, perRowActivations, scaleTable, tap, intraOpThreads, weightBits);
    }

    public EngineOptions withPerRowActivations(boolean p) {
        return new EngineOptions(mode, optimize, p, scaleTable, tap, intraOpThreads, weightBits);
    }

    public EngineOptions withStatic(ScaleTable table) {
        return new EngineOptions(ExecutionMode.STATIC, optimize, perRowActivations, table, tap, intraOpThreads, weightBits);
    }

    public EngineOptions withTap(QuantizationTap t) {
        return new EngineOptions(mode, optimize, perRowActivations, scaleTable, t, intraOpThreads, weightBits);
    }

    public EngineOptions withIntraOpThreads(int threads) {
        return new EngineOptions(mode, optimize, perRowActivations, scaleTable, tap, threads, weightBits);
    }

    public EngineOptions withWeightBits(int bits) {
        return new EngineOptions(mode, optimize, perRowActivations, scaleTable, tap, intraOpThreads, bits);
    }
}
