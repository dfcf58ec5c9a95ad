package io.tare.server.engine.quant;

import io.tare.kernels.Kernels;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.DynamicRange;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.compute.Compute;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;

/**
 * Turns an INT8 layer's activation input into the unsigned-byte operand of the kernels' INT8
 * GEMM, whatever form it arrives in:
 * <ul>
 *   <li>already 8-bit (QDQ and torch INT8 models): used with the node's scale and zero point
 *       (int8 is stored shifted by +128, which leaves every {@code q - zp} unchanged);
 *   <li>float with an entry in the run's {@link ScaleTable} (static mode): quantized with it;
 *   <li>float otherwise (dynamic mode): UINT8 over {@code [min(0, min x), max(0, max x)]} of the
 *       whole tensor (ONNX DynamicQuantizeLinear), or of each row when per-row is on.
 * </ul>
 * Float inputs are the engine's quantization points: they are offered to the tap first.
 * Stateless per run; buffers come from the {@link OpContext}.
 */
final class ActivationSource {
    /** Byte-scratch slot holding a convolution's whole quantized input. */
    static final int TENSOR_SCRATCH = 0;

    private final String tensorName;
    private final boolean perRow;
    private final Kernels kernels;
    private final ActivationQuantizer quantizer;

    ActivationSource(NodeSetup s) {
        this.tensorName = s.node().input(0);
        this.perRow = s.attrs().getInt(Int8LinearOps.ATTR_PER_ROW, 0) != 0;
        Compute c = s.compute();
        this.kernels = c.kernels();
        this.quantizer = c.quantizer();
    }

    /** A whole tensor in stored (unsigned) form: {@code stored = q ^ flip}, zero point in that domain. */
    record QuantizedTensor(byte[] data, float scale, int zeroPoint, byte flip) {
        /** The zero point as stored (int8 values shifted by +128). */
        int storedZeroPoint() {
            return zeroPoint + (flip != 0 ? 128 : 0);
        }
    }

    /** Fills {@code out} with {@code x} read as {@code rows} rows of {@code k} values. */
    void toRows(OpContext ctx, Tensor x, int rows, int k, QuantizedRows out) {
        if (isEightBit(x.type())) {
            float[] scale = {(float) ctx.input(1).getDouble(0)};
            int[] zp = {IntegerMatrix.scalarZeroPoint(ctx.input(2))};
            quantizer.fromQuantized(x.bytes(), 0, k, rows, x.type() == DataType.INT8 ? DType.INT8 : DType.UINT8,
                    scale, zp, out);
            return;
        }
        float[] f = floatInput(ctx, x);
        ScaleTable.Range fixed = fixedRange(ctx);
        if (fixed != null) {
            quantizer.withParams(f, 0, k, rows, QuantParams.perTensor(DType.UINT8, fixed.scale(), fixed.zeroPoint()),
                    out);
        } else if (perRow) {
            quantizer.perRow(f, 0, k, rows, out);
        } else {
            quantizer.perTensor(f, 0, k, rows, out);
        }
    }

    /** The whole tensor quantized per tensor (convolutions unfold it afterwards). */
    QuantizedTensor toBytes(OpContext ctx, Tensor x) {
        if (isEightBit(x.type())) {
            float scale = (float) ctx.input(1).getDouble(0);
            int zp = IntegerMatrix.scalarZeroPoint(ctx.input(2));
            return new QuantizedTensor(x.bytes(), scale, zp, (byte) (x.type() == DataType.INT8 ? 0x80 : 0));
        }
        float[] f = floatInput(ctx, x);
        int n = x.size();
        ScaleTable.Range fixed = fixedRange(ctx);
        float scale;
        int zp;
        if (fixed != null) {
            scale = fixed.scale();
            zp = fixed.zeroPoint();
        } else {
            float[] mm = ctx.floatScratch(7, 2);
            kernels.minMax(f, 0, n, mm);
            scale = DynamicRange.scale(mm[0], mm[1]);
            zp = DynamicRange.zeroPoint(mm[0], scale);
        }
        byte[] q = ctx.byteScratch(TENSOR_SCRATCH, n);
        kernels.quantize(f, 0, q, 0, n, scale, zp, DType.UINT8);
        return new QuantizedTensor(q, scale, zp, (byte) 0);
    }

    private float[] floatInput(OpContext ctx, Tensor x) {
        if (x.type() != DataType.FLOAT) {
            throw new EngineException("INT8 layer input must be FLOAT or 8-bit, got " + x.type());
        }
        if (ctx.tap().enabled()) {
            ctx.tap().observe(tensorName, x.floats(), x.size());
        }
        return x.floats();
    }

    private ScaleTable.Range fixedRange(OpContext ctx) {
        ScaleTable table = ctx.scaleTable();
        return table == null ? null : table.get(tensorName);
    }

    private static boolean isEightBit(DataType t) {
        return t == DataType.UINT8 || t == DataType.INT8;
    }
}
