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
        rows(x.floats(), y.floats(), rows, cols, gamma.floats(), beta.floats(), epsilon, ctx.floatScratch(0, cols),
                ctx.floatScratch(1, cols), ctx.floatScratch(2, cols));
    }

    /**
     * The rows of {@code x} normalized into {@code y}; {@code d}, {@code squares} and {@code out}
     * are scratch rows of at least {@code cols} floats, three distinct arrays. The element-wise
     * steps run on those scratch rows, all indexed from 0, in loops of their own: with the row at
     * an offset in one array and scratch at 0 in another, C2 cannot rule out an overlap and leaves
     * the loops scalar (about 3x slower on all-MiniLM-L6-v2's 1024 x 384 LayerNorms). The
     * operations and their order are the same.
     */
    static void rows(float[] x, float[] y, int rows, int cols, float[] gamma, float[] beta, float epsilon, float[] d,
            float[] squares, float[] out) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float mean = OnnxRuntimeParity.sum(x, off, cols) / cols;
            System.arraycopy(x, off, d, 0, cols);
            subtract(d, mean, cols);
            square(d, squares, cols);
            float variance = OnnxRuntimeParity.sum(squares, 0, cols) / cols;
            float s = (float) Math.sqrt(variance + epsilon);
            normalize(d, s, gamma, beta, out, cols);
            System.arraycopy(out, 0, y, off, cols);
        }
    }

    /** {@code d[i] = d[i] - mean} (Sub). */
    private static void subtract(float[] d, float mean, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = d[i] - mean;
        }
    }

    /** {@code squares[i] = d[i] * d[i]} (Pow(d, 2)). */
    private static void square(float[] d, float[] squares, int n) {
        for (int i = 0; i < n; i++) {
            squares[i] = d[i] * d[i];
        }
    }

    /** {@code out[i] = d[i] / s * gamma[i] + beta[i]} (Div, Mul, Add: three roundings). */
    private static void normalize(float[] d, float s, float[] gamma, float[] beta, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = d[i] / s * gamma[i] + beta[i];
        }
    }
}
