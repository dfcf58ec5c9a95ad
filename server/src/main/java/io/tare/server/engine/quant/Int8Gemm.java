package io.tare.server.engine.quant;

import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.Operator;
import io.tare.server.engine.ops.PrepackedOperator;
import java.util.Arrays;

/**
 * {@code tare:Int8Gemm}: x[..., K] times a constant 8-bit weight [K, N] (or [N, K] with transB)
 * on the kernels' INT8 GEMM. The input's leading axes are rows; the output replaces the last axis
 * by N. See {@link Int8LinearOps} for the inputs.
 */
final class Int8Gemm implements PrepackedOperator {
    private final Gemm gemm;
    private final PackedInt8Matrix weights;
    private final Int8LayerSetup setup;
    private final Epilogue epilogue;
    private final ActivationSource source;
    private final int k;
    private final int n;
    /** The quantized-rows buffer slot: 0, or a shared one (above any per-worker slot). */
    private final int rowsSlot;
    /** Whether an earlier layer already filled {@link #rowsSlot} with this input. */
    private final boolean reusesRows;

    /** First quantized-rows slot of the shared buffers; Int8Conv uses one slot per worker below it. */
    private static final int SHARED_ROWS_BASE = 256;

    private Int8Gemm(NodeSetup s, PackedInt8Matrix weights, Int8LayerSetup setup) {
        this.gemm = s.compute().gemm();
        this.weights = weights;
        this.setup = setup;
        this.epilogue = setup.epilogue(0, weights.n());
        this.source = new ActivationSource(s);
        this.k = weights.k();
        this.n = weights.n();
        long shared = s.attrs().getInt(Int8LinearOps.ATTR_SHARED_ROWS, Long.MIN_VALUE);
        this.rowsSlot = shared == Long.MIN_VALUE ? 0 : SHARED_ROWS_BASE + (int) (shared >= 0 ? shared : -1 - shared);
        this.reusesRows = shared != Long.MIN_VALUE && shared < 0;
    }

    static Operator create(NodeSetup s) {
        Tensor w = s.constantInput(3);
        if (w == null || w.rank() != 2 || (w.type() != DataType.INT8 && w.type() != DataType.UINT8)) {
            throw s.unsupported("Int8Gemm needs a constant 2-D 8-bit weight");
        }
        boolean transB = s.attrs().getInt("transB", 0) != 0;
        int k = transB ? w.dim(1) : w.dim(0);
        int n = transB ? w.dim(0) : w.dim(1);
        Int8LayerSetup setup = Int8LayerSetup.of(s, n);
        PackedInt8Matrix packed = s.compute().gemm().packInt8(w.bytes(), 0, k, n, transB, setup.weightParams());
        return new Int8Gemm(s, packed, setup);
    }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        if (x.rank() == 0 || x.dim(x.rank() - 1) != k) {
            throw new EngineException("input " + Arrays.toString(x.shape()) + " does not have " + k + " columns");
        }
        int rows = x.size() / k;
        int[] shape = x.shape().clone();
        shape[shape.length - 1] = n;
        Tensor y = ctx.output(0, setup.outputType(), shape);
        if (rows == 0) {
            return;
        }
        QuantizedRows a = ctx.quantizedRows(rowsSlot, rows, k);
        if (!reusesRows) {
            source.toRows(ctx, x, rows, k, a);
        } else if (a.rows() != rows) {
            throw new EngineException("shared quantized input holds " + a.rows() + " rows, not " + rows);
        }
        if (setup.output() != null) {
            gemm.int8Requantize(a, weights, y.bytes(), 0, n, epilogue);
            return;
        }
        float[] out = y.floats();
        gemm.int8(a, weights, out, 0, n, epilogue);
        if (setup.needsPostActivation()) {
            setup.activation().applyWithBias(out, 0, rows * n, 0f);
        }
    }

    @Override
    public boolean readsAtRunTime(int index) {
        return index <= 2;
    }
}
