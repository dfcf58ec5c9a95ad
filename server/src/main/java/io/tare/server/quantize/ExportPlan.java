package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ScaleZeroPoint;
import java.util.List;
import java.util.Map;

/**
 * What a QDQ export does to each layer.
 *
 * @param int8Layers     layers whose activation input and weight get QuantizeLinear/DequantizeLinear
 *                       (static INT8); their bias becomes int32
 * @param int4Layers     Gemm/MatMul layers whose weight alone becomes blocked INT4 (activations stay
 *                       float: weight-only quantization)
 * @param activations    scale and zero point of every activation entering an {@code int8Layers} layer
 * @param encoding       how activations are stored (int8 symmetric or uint8 asymmetric)
 * @param perChannel     weights per output channel (else per tensor)
 * @param weightBits     8, or 7 for reduced range
 * @param int4Block      block length of INT4 weights along the input axis (32 or 128 usually)
 * @param inputMeans     per activation, the mean of each input channel over the calibration data,
 *                       for bias correction; empty when bias correction is off
 * @param quantizeStream false: only the inputs of {@code int8Layers} get Q/DQ and every other reader
 *                       keeps the float value ({@code tare quantize} on a model without residual
 *                       joins, or with {@code --residual-joins float}); true: every
 *                       activation in {@code activations} gets Q/DQ where it is produced and every
 *                       reader reads the dequantized value, as in PyTorch's INT8 exports, so that
 *                       the tensors between quantized ops can stay 8-bit in the engine
 */
public record ExportPlan(List<QuantizableLayer> int8Layers, List<QuantizableLayer> int4Layers,
                         Map<String, ScaleZeroPoint> activations, ActivationEncoding encoding, boolean perChannel,
                         int weightBits, int int4Block, Map<String, double[]> inputMeans,
                         boolean quantizeStream) {
}
