package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ScaleZeroPoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes {@link ExportPlan}s that differ only in which layers stay FP32: the full plan, a plan
 * with some layers kept in FP32 (mixed precision), and a plan quantizing one layer alone
 * (sensitivity). Weight-only INT4, when on, covers every Gemm/MatMul not kept in FP32; those
 * layers then take no activation quantization.
 *
 * <p>Without residual joins to quantize (none given: a model without joins, or joins kept float)
 * the plans quantize only the layers' inputs and every other reader keeps the float value. With
 * joins, {@link #plan} writes PyTorch's layout ({@link ExportPlan#quantizeStream()}): the inputs
 * of the INT8 layers and the values of the joins whose layers are all INT8 get Q/DQ where they are
 * produced, and every reader reads them dequantized, so the engine keeps the stream 8-bit. A join
 * touching a layer that stays FP32 or weight-only stays float: quantizing its values would put
 * back the error that keeping the layer was meant to remove. (A kept layer still reads its input
 * dequantized when an INT8 layer shares that input: one value has one Q/DQ in this layout.)
 */
final class PlanBuilder {

    private final List<QuantizableLayer> layers;
    private final Map<String, ScaleZeroPoint> activations;
    private final ActivationEncoding encoding;
    private final boolean perChannel;
    private final int weightBits;
    private final int int4Block;
    private final Map<String, double[]> inputMeans;
    private final List<ResidualJoins.Join> joins;

    /**
     * @param activations scales of the layers' inputs and, when {@code joins} is not empty, of every
     *                    join's values
     * @param joins       the residual joins to quantize; empty for the layer-only layout
     */
    PlanBuilder(List<QuantizableLayer> layers, Map<String, ScaleZeroPoint> activations, ActivationEncoding encoding,
                boolean perChannel, int weightBits, int int4Block, Map<String, double[]> inputMeans,
                List<ResidualJoins.Join> joins) {
        this.layers = layers;
        this.activations = activations;
        this.encoding = encoding;
        this.perChannel = perChannel;
        this.weightBits = weightBits;
        this.int4Block = int4Block;
        this.inputMeans = inputMeans;
        this.joins = joins;
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
        if (joins.isEmpty()) {
            return new ExportPlan(int8, int4, activations, encoding, perChannel, weightBits, int4Block, inputMeans, false);
        }
        return new ExportPlan(int8, int4, streamActivations(int8), encoding, perChannel, weightBits, int4Block, inputMeans,
                true);
    }

    /**
     * Only {@code layer} quantized, in the layer-only layout even when joins are quantized: sensitivity
     * ranks what quantizing each layer's input and weight costs, and a join is quantized only when all
     * its layers are INT8, so a one-layer plan would have none; rerouting the layer input's other
     * readers (the skip connection) through its Q/DQ would charge the layer for error its neighbours
     * decide in the full export.
     */
    ExportPlan only(QuantizableLayer layer) {
        boolean four = int4Block > 0 && layer.isMatrixProduct();
        return new ExportPlan(four ? List.of() : List.of(layer), four ? List.of(layer) : List.of(), activations, encoding,
                perChannel, weightBits, int4Block, inputMeans, false);
    }

    /** The values a stream plan quantizes: the INT8 layers' inputs and the joins whose layers are all INT8. */
    private Map<String, ScaleZeroPoint> streamActivations(List<QuantizableLayer> int8) {
        Set<String> int8Names = new HashSet<>();
        Set<String> int8Inputs = new HashSet<>();
        for (QuantizableLayer l : int8) {
            int8Names.add(l.name());
            int8Inputs.add(l.activation());
        }
        Set<String> layerInputs = new HashSet<>();
        layers.forEach(l -> layerInputs.add(l.activation()));
        Set<String> quantized = new HashSet<>(int8Inputs);
        for (ResidualJoins.Join j : joins) {
            boolean allInt8 = int8Names.containsAll(j.sources())
                    && j.values().stream().allMatch(v -> !layerInputs.contains(v) || int8Inputs.contains(v));
            if (allInt8) {
                quantized.addAll(j.values());
            }
        }
        Map<String, ScaleZeroPoint> out = new LinkedHashMap<>();
        activations.forEach((name, p) -> {
            if (quantized.contains(name)) {
                out.put(name, p);
            }
        });
        return out;
    }

    List<QuantizableLayer> layers() {
        return layers;
    }
}
