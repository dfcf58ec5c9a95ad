package io.tare.server.quantize;

/**
 * One Conv, Gemm or MatMul whose weight is a constant float initializer: the unit that is
 * quantized, kept in FP32, or measured for sensitivity.
 *
 * @param name         the node's name (made unique as {@code OpType_index} when the file has none)
 * @param opType       Conv, Gemm or MatMul
 * @param nodeIndex    position in the graph's node list
 * @param activation   the float tensor the layer reads (input 0)
 * @param weight       initializer name (input 1)
 * @param bias         initializer name (input 2), or null
 * @param weightDims   the weight's shape
 * @param outputAxis   the weight axis that indexes output channels (per-channel scales lie on it)
 * @param inputAxis    the weight axis that indexes input features / channels (smoothing and
 *                     equalization scale along it), or -1 for a grouped convolution
 */
public record QuantizableLayer(String name, String opType, int nodeIndex, String activation, String weight, String bias,
                               long[] weightDims, int outputAxis, int inputAxis) {

    public int outputChannels() {
        return (int) weightDims[outputAxis];
    }

    /** Input channels along {@link #inputAxis()}, or -1 when it has none. */
    public int inputChannels() {
        return inputAxis < 0 ? -1 : (int) weightDims[inputAxis];
    }

    /** True for Gemm and MatMul (the layers that weight-only INT4 applies to). */
    public boolean isMatrixProduct() {
        return !opType.equals("Conv");
    }
}
