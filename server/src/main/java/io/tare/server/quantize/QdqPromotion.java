package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.proto.onnx.ModelProto;
import io.tare.server.engine.WeightBits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a float model plus activation scales measured while it served into the INT8 model the
 * server then runs: the QDQ graph (per-channel 8-bit weights, int32 biases, uint8 activations) in
 * the layout of PyTorch's INT8 exports, where every quantized activation is read dequantized by all
 * its readers and residual joins stay 8-bit. That is the layout the engine lowers to 8-bit
 * convolutions that requantize into the next layer and fused 8-bit residual adds; the same float
 * graph run in static mode keeps float tensors between layers and serves at ~0.7x of it.
 */
public final class QdqPromotion {
    private QdqPromotion() {
    }

    /**
     * The addends and sums of the residual joins ({@link ResidualJoins}) that are not a layer's
     * input: values a promotion quantizes that the float model computes without quantizing, so a
     * float model's quantization tap does not see them.
     */
    public static Set<String> joinValues(ModelProto fp32) {
        ModelProto m = upgraded(fp32);
        return ResidualJoins.values(m, LayerFinder.find(m.getGraph()));
    }

    /**
     * The INT8 model for {@code scales} (uint8 scale and zero point per activation). Layers whose
     * input has no scale stay float; scales of values the model does not have are ignored.
     *
     * @throws QuantizeException when no layer's input has a scale, or the model's opset is too old
     */
    public static ModelProto promote(ModelProto fp32, Map<String, ScaleZeroPoint> scales) {
        return promote(fp32, scales, 8);
    }

    /**
     * {@link #promote(ModelProto, Map)} with weights quantized to {@code weightBits}: 8, or 7 (per-channel
     * scale max|w| / 63, as {@code tare quantize --weight-bits 7}).
     */
    public static ModelProto promote(ModelProto fp32, Map<String, ScaleZeroPoint> scales, int weightBits) {
        WeightBits.check(weightBits);
        ModelProto m = upgraded(fp32);
        List<QuantizableLayer> layers = LayerFinder.find(m.getGraph());
        List<QuantizableLayer> int8 = new ArrayList<>();
        Map<String, ScaleZeroPoint> used = new LinkedHashMap<>();
        for (QuantizableLayer l : layers) {
            ScaleZeroPoint s = scales.get(l.activation());
            if (s != null) {
                int8.add(l);
                used.put(l.activation(), s);
            }
        }
        // only the joins: other values a tap may report (the inputs of activation x activation
        // products) stay float, as in static mode
        for (String v : ResidualJoins.values(m, layers)) {
            ScaleZeroPoint s = scales.get(v);
            if (s != null) {
                used.put(v, s);
            }
        }
        ExportPlan plan = new ExportPlan(int8, List.of(), used, ActivationEncoding.UINT8_ASYMMETRIC, true, weightBits, 0,
                Map.of(), true);
        return QdqExporter.export(m, plan).model();
    }

    private static ModelProto upgraded(ModelProto m) {
        return OpsetUpgrade.needed(m) ? OpsetUpgrade.apply(m, new ArrayList<>()) : m;
    }
}
