package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * LayerNormalization over the last axis that rounds as its ONNX expansion does (what
 * {@link io.tare.server.engine.passes.LayerNormFusion} replaces), row by row:
 * <pre>
 *   mean = sum(x) / n                 (float, ONNX Runtime's ReduceMean order: OnnxRuntimeParity.sum)
 *   d[i] = x[i] - mean                (Sub)
 *   var  = sum(d[i] * d[i]) / n       (Pow(d, 2) is d * d; ReduceMean again)
 *   s    = (float) sqrt(var + eps)    (Add, Sqrt)
 *   y[i] = d[i] / s * gamma[i] + beta[i]   (Div, Mul, Add: separate roundings, no fused multiply-add)
 * </pre>
 * the same float operations as the nine nodes, so the same bits, in three passes over a row that
 * stays in cache instead of nine passes over the tensor. The engine's standard LayerNormalization
 * (double statistics) is not used for these nodes: in a dynamically quantized transformer the
 * LayerNorm output is quantized next, where last-bit differences grow. Stateless.
 */
public final class ExpansionLayerNorm {
    /** Attribute that marks a LayerNormalization node as a fused expansion (see the class comment). */
    public static final String ATTR = "tare_onnx_expansion";

    private ExpansionLayerNorm() {
    }

    static Operator create(float epsilon) {
        return ctx -> run(ctx, epsilon);
    }

    private static void run(OpContext ctx, float epsilon) {
        Tensor x = ctx.input(0);
        Tensor gamma = ctx.input(1);
        Tensor beta = ctx.input(2);
        if (x.type() != DataType.FLOAT || x.rank() == 0) {
            throw new EngineException("fused LayerNorm needs a FLOAT tensor of rank >= 1, got " + x.type());
        }
        int cols = x.dim(x.rank() - 1);
        if (gamma.size() != cols || beta.size() != cols) {
            throw new EngineException("fused LayerNorm: scale/bias of " + gamma.size() + "/" + beta.size()
                    + " values for rows of " + cols);
        }
        Tensor y = ctx.output(0, DataType.FLOAT, x.shape());
        int rows = cols == 0 ? 0 : x.size() / cols;
        float[] squares = ctx.floatScratch(0, cols);
        rows(x.floats(), y.floats(), rows, cols, gamma.floats(), beta.floats(), epsilon, squares);
    }

    /** The rows of {@code x} normalized into {@code y} ({@code squares}: scratch of {@code cols} floats). */
    static void rows(float[] x, float[] y, int rows, int cols, float[] gamma, float[] beta, float epsilon,
            float[] squares) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float mean = OnnxRuntimeParity.sum(x, off, cols) / cols;
            for (int i = 0; i < cols; i++) {
                float d = x[off + i] - mean;
                y[off + i] = d;
                squares[i] = d * d;
            }
            float variance = OnnxRuntimeParity.sum(squares, 0, cols) / cols;
            float s = (float) Math.sqrt(variance + epsilon);
            for (int i = 0; i < cols; i++) {
                y[off + i] = y[off + i] / s * gamma[i] + beta[i];
            }
        }
    }
}
