package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ScaleZeroPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes {@link ExportPlan}s that differ only in which layers stay FP32: the full plan, a plan
 * with some layers kept in FP32 (mixed precision), and a plan quantizing one layer alone
 * (sensitivity). Weight-only INT4, when on, covers every Gemm/MatMul not kept in FP32; those
 * layers then take no activation quantization.
 */
final class PlanBuilder {

    private final List<QuantizableLayer> layers;
    private final Map<String, ScaleZeroPoint> activations;
    private final ActivationEncoding encoding;
    private final boolean perChannel;
    private final int weightBits;
    private final int int4Block;
    private final Map<String, double[]> inputMeans;

    PlanBuilder(List<QuantizableLayer> layers, Map<String, ScaleZeroPoint> activations, ActivationEncoding encoding,
                boolean perChannel, int weightBits, int int4Block, Map<String, double[]> inputMeans) {
        this.layers = layers;
        this.activations = activations;
        this.encoding = encoding;
        this.perChannel = perChannel;
        this.weightBits = weightBits;
        this.int4Block = int4Block;
        this.inputMeans = inputMeans;
    }

    /** Every layer quantized except those named in {@code keepFp32}. */
    ExportPlan plan(Set<String> keepFp32) {
        List<QuantizableLayer> int8 = new ArrayList<>();
        List<QuantizableLayer> int4 = new ArrayList<>();
        for (QuantizableLayer l : layers) {
            if (keepFp32.contains(l.name())) {
                continue;
            }
            (int4Block > 0 && l.isMatrixProduct() ? int4 : int8).add(l);
        }
        return new ExportPlan(int8, int4, activations, encoding, perChannel, weightBits, int4Block, inputMeans, false);
    }

    /** Only {@code layer} quantized. */
    ExportPlan only(QuantizableLayer layer) {
        boolean four = int4Block > 0 && layer.isMatrixProduct();
        return new ExportPlan(four ? List.of() : List.of(layer), four ? List.of(layer) : List.of(), activations, encoding,
                perChannel, weightBits, int4Block, inputMeans, false);
    }

    List<QuantizableLayer> layers() {
        return layers;
    }
}
