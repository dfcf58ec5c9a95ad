package io.tare.server.engine.ops;

import io.tare.kernels.gemm.Activation;
import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * FP32 MatMul / Gemm whose weight is a constant 2-D matrix: the weight is packed once at load for
 * the kernels' SGEMM, and bias (Gemm's C, a per-column vector) and the fused activation are
 * applied by the GEMM epilogue while each block is still in cache. The activation input may have
 * any rank: its leading axes are rows (MatMul's batch broadcasting against a 2-D weight).
 *
 * <p>Built only where this applies ({@link #tryMatMul}, {@link #tryGemm} return null otherwise);
 * the general loops in {@link MatMulOps} handle the rest.
 */
final class FloatLinear implements PrepackedOperator {
    private final Gemm gemm;
    private final PackedFloatMatrix weights;
    private final int k;
    private final int n;
    private final boolean matrixInput;
    private final Epilogue epilogue;
    private final FusedActivation postActivation;

    private FloatLinear(NodeSetup s, PackedFloatMatrix weights, float[] bias, boolean matrixInput) {
        this.gemm = s.compute().gemm();
        this.weights = weights;
        this.k = weights.k();
        this.n = weights.n();
        this.matrixInput = matrixInput;
        FusedActivation act = FusedActivation.from(s);
        Activation inEpilogue = act.epilogueActivation();
        this.epilogue = Epilogue.of(bias, inEpilogue == null ? Activation.NONE : inEpilogue);
        this.postActivation = inEpilogue == null ? act : FusedActivation.NONE;
    }

    /**
     * MatMul with a constant FLOAT [K, N] weight, or null. A third input (set by bias fusion, not
     * ONNX) is a constant per-column bias.
     */
    static Operator tryMatMul(NodeSetup s) {
        Tensor w = s.constantInput(1);
        if (w == null || w.type() != DataType.FLOAT || w.rank() != 2 || w.size() == 0) {
            return null;
        }
        float[] bias = null;
        if (s.node().hasInput(2)) {
            Tensor b = s.constantInput(2);
            if (b == null || b.type() != DataType.FLOAT || b.size() != w.dim(1)) {
                throw s.unsupported("a fused MatMul bias must be a constant of " + w.dim(1) + " floats");
            }
            bias = b.floats().clone();
        }
        PackedFloatMatrix packed = s.compute().gemm().packFloat(w.floats(), 0, w.dim(0), w.dim(1), false);
        return new FloatLinear(s, packed, bias, false);
    }

    /**
     * Gemm with a constant FLOAT weight, no transA, and C absent or a constant per-column vector
     * (shape [N], [1, N] or a single value), or null. alpha is folded into the packed weight and
     * beta into the bias.
     */
    static Operator tryGemm(NodeSetup s, float alpha, float beta, boolean transA, boolean transB) {
        Tensor w = s.constantInput(1);
        if (transA || w == null || w.type() != DataType.FLOAT || w.rank() != 2 || w.size() == 0) {
            return null;
        }
        int k = transB ? w.dim(1) : w.dim(0);
        int n = transB ? w.dim(0) : w.dim(1);
        float[] bias = null;
        if (s.node().hasInput(2) && beta != 0f) {
            Tensor c = s.constantInput(2);
            if (c == null || c.type() != DataType.FLOAT) {
                return null;
            }
            boolean perColumn = c.size() == n && (c.rank() == 1 || (c.rank() == 2 && c.dim(0) == 1));
            if (!perColumn && c.size() != 1) {
                return null;
            }
            bias = new float[n];
            for (int j = 0; j < n; j++) {
                bias[j] = beta * c.floats()[c.size() == 1 ? 0 : j];
            }
        }
        float[] values = w.floats();
        if (alpha != 1f) {
            values = values.clone();
            for (int i = 0; i < values.length; i++) {
                values[i] *= alpha;
            }
        }
        PackedFloatMatrix packed = s.compute().gemm().packFloat(values, 0, k, n, transB);
        return new FloatLinear(s, packed, bias, true);
    }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        if (x.type() != DataType.FLOAT) {
            throw new EngineException("only FLOAT operands are supported, got " + x.type());
        }
        if (x.rank() == 0 || x.dim(x.rank() - 1) != k || (matrixInput && x.rank() != 2)) {
            throw new EngineException("input " + Arrays.toString(x.shape()) + " does not match the weight's " + k
                    + " rows");
        }
        int rows = x.size() / k;
        int[] shape = x.shape().clone();
        shape[shape.length - 1] = n;
        float[] y = ctx.output(0, DataType.FLOAT, shape).floats();
        if (rows == 0) {
            return;
        }
        gemm.sgemm(x.floats(), 0, k, rows, weights, y, 0, n, epilogue);
        if (postActivation.kind() != FusedActivation.Kind.NONE) {
            postActivation.applyWithBias(y, 0, rows * n, 0f);
        }
    }

    @Override
    public boolean readsAtRunTime(int index) {
        // input 0 only: the weight and any bias were copied at load
        return index == 0;
    }
}
