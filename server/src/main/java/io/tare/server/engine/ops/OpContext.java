package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.quant.QuantizationTap;

/**
 * What an {@link Operator} sees during one run: its inputs, a way to obtain output buffers, and
 * scratch memory. Implemented by the executor (buffers from the memory plan) and by the constant
 * folder (fresh buffers).
 */
public interface OpContext {
    /** Number of inputs the node declares, omitted optional ones included. */
    int inputCount();

    /** Input {@code i}, or {@code null} when it is omitted or beyond {@link #inputCount()}. */
    Tensor input(int i);

    /** Number of outputs the node declares. */
    int outputCount();

    /** True when output {@code i} is declared and named (ONNX omits optional outputs by name ""). */
    boolean wantsOutput(int i);

    /**
     * A tensor to write output {@code i} into. Its contents are unspecified: the operator must
     * overwrite every element. The tensor must not be kept after {@link Operator#run} returns.
     */
    Tensor output(int i, DataType type, int[] shape);

    /** A float scratch array of at least {@code minLength} elements, valid during this run only. */
    float[] floatScratch(int slot, int minLength);

    /** A byte scratch array of at least {@code minLength} elements, valid during this run only. */
    byte[] byteScratch(int slot, int minLength);

    /** An int scratch array of at least {@code minLength} elements, valid during this run only. */
    int[] intScratch(int slot, int minLength);

    /**
     * A reusable buffer for quantized activation rows (INT8 GEMM operand) holding at least
     * {@code rows} rows of {@code k} values, valid during this run only. Distinct slots give
     * distinct buffers (one per worker when an operator splits its work).
     */
    io.tare.kernels.quant.QuantizedRows quantizedRows(int slot, int rows, int k);

    /** The activation scales of this run (static mode), or {@code null} when the model has none. */
    io.tare.server.engine.quant.ScaleTable scaleTable();

    /** Where quantization points report activations; {@link QuantizationTap#NONE} when taps are off. */
    QuantizationTap tap();
}
