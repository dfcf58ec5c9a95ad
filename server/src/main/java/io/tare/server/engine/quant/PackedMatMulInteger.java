package io.tare.server.engine.quant;

import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.PrepackedOperator;
import java.util.Arrays;

/**
 * MatMulInteger with a constant 2-D 8-bit B (the weights of a dynamically quantized model, as
 * ONNX Runtime's quantizer writes them) on the kernels' INT8 GEMM: B is packed once at load with
 * its zero points, and each run computes the exact int32 {@code sum_k (a - za)(b - zb)} with
 * {@link Gemm#int8Exact}. A's leading axes are rows; its zero point is per tensor
 * (DynamicQuantizeLinear's) or, for a 2-D A, per row, the two forms ONNX allows.
 */
final class PackedMatMulInteger implements PrepackedOperator {
    private final Gemm gemm;
    private final ActivationQuantizer quantizer;
    private final PackedInt8Matrix weights;
    private final int k;
    private final int n;
    private final float[] unitScale = {1f};
    private final int[] zeroPoint = new int[1];

    private PackedMatMulInteger(NodeSetup s, PackedInt8Matrix weights) {
        this.gemm = s.compute().gemm();
        this.quantizer = s.compute().quantizer();
        this.weights = weights;
        this.k = weights.k();
        this.n = weights.n();
    }

    /** The packed operator, or {@code null} when B or its zero point is not a constant of the supported form. */
    static PackedMatMulInteger tryCreate(NodeSetup s) {
        Tensor b = s.constantInput(1);
        Tensor bZp = s.constantInput(3);
        if (b == null || b.rank() != 2 || !IntegerMatrix.isEightBit(b.type()) || (s.node().hasInput(3) && bZp == null)) {
            return null;
        }
        int k = b.dim(0);
        int n = b.dim(1);
        DType type = b.type() == DataType.UINT8 ? DType.UINT8 : DType.INT8;
        QuantParams params;
        if (bZp == null || bZp.size() == 1) {
            params = QuantParams.perTensor(type, 1f, bZp == null ? 0 : (int) bZp.getLong(0));
        } else if (bZp.size() == n) {
            float[] scales = new float[n];
            int[] zps = new int[n];
            Arrays.fill(scales, 1f);
            for (int j = 0; j < n; j++) {
                zps[j] = (int) bZp.getLong(j);
            }
            params = QuantParams.perAxis(type, 0, scales, zps);
        } else {
            return null;
        }
        return new PackedMatMulInteger(s, s.compute().gemm().packInt8(b.bytes(), 0, k, n, false, params));
    }

    @Override
    public void run(OpContext ctx) {
        Tensor a = ctx.input(0);
        Tensor aZp = ctx.input(2);
        if (!IntegerMatrix.isEightBit(a.type()) || a.dim(a.rank() - 1) != k) {
            throw new EngineException("MatMulInteger input " + a.type() + " " + Arrays.toString(a.shape())
                    + " does not match the constant B [" + k + ", " + n + "]");
        }
        int rows = a.size() / k;
        int[] shape = a.shape().clone();
        shape[shape.length - 1] = n;
        Tensor y = ctx.output(0, DataType.INT32, shape);
        if (rows == 0) {
            return;
        }
        float[] scales = unitScale;
        int[] zps = zeroPoint;
        if (aZp != null && aZp.size() != 1) {
            if (a.rank() > 2 || aZp.size() != rows) {
                throw new EngineException("MatMulInteger a_zero_point has " + aZp.size() + " values for A "
                        + Arrays.toString(a.shape()) + " (per tensor, or one per row of a 2-D A)");
            }
            scales = ctx.floatScratch(0, rows);
            zps = ctx.intScratch(0, rows);
            Arrays.fill(scales, 0, rows, 1f);
            for (int r = 0; r < rows; r++) {
                zps[r] = (int) aZp.getLong(r);
            }
        } else {
            zeroPoint[0] = IntegerMatrix.scalarZeroPoint(aZp);
        }
        QuantizedRows q = ctx.quantizedRows(0, rows, k);
        quantizer.fromQuantized(a.bytes(), 0, k, rows, a.type() == DataType.INT8 ? DType.INT8 : DType.UINT8,
                scales, zps, q);
        gemm.int8Exact(q, weights, y.ints(), 0, n);
    }

    @Override
    public boolean readsAtRunTime(int index) {
        return index != 1 && index != 3;
    }
}
