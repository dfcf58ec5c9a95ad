package io.tare.server.engine.quant;

import io.tare.kernels.Kernels;
import io.tare.kernels.tensor.DType;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.UnsupportedModelException;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.OperatorRegistry;

/**
 * QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear to and from 8/16-bit integers
 * (DequantizeLinear also from INT32), per tensor, per axis or per block. QuantizeLinear is a
 * quantization point: its float input is offered to the model's {@link QuantizationTap}.
 */
public final class QuantizeLinearOps {
    private QuantizeLinearOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("QuantizeLinear", 10, s -> {
            long axis = s.attrs().getInt("axis", 1);
            long blockSize = s.attrs().getInt("block_size", 0);
            long outputDtype = s.attrs().getInt("output_dtype", 0);
            if (s.attrs().getInt("saturate", 1) != 1 && outputDtype != 0) {
                throw s.unsupported("saturate=0");
            }
            DataType declared = outputDtype == 0 ? null : quantType(s.node().describe(), (int) outputDtype);
            String name = s.node().input(0);
            Kernels kernels = s.compute().kernels();
            return ctx -> quantize(ctx, axis, blockSize, declared, name, kernels);
        });
        r.register("DequantizeLinear", 10, s -> {
            long axis = s.attrs().getInt("axis", 1);
            long blockSize = s.attrs().getInt("block_size", 0);
            Kernels kernels = s.compute().kernels();
            return ctx -> dequantize(ctx, axis, blockSize, kernels);
        });
        r.register("DynamicQuantizeLinear", 11, s -> {
            String name = s.node().input(0);
            Kernels kernels = s.compute().kernels();
            return ctx -> dynamicQuantize(ctx, name, kernels);
        });
    }

    private static DataType quantType(String node, int code) {
        DataType t;
        try {
            t = DataType.fromOnnx(code);
        } catch (UnsupportedModelException e) {
            throw new UnsupportedModelException(node + ": quantized type " + DataType.onnxName(code) + " is not supported");
        }
        if (t != DataType.UINT8 && t != DataType.INT8 && t != DataType.UINT16 && t != DataType.INT16) {
            throw new UnsupportedModelException(node + ": quantized type " + t + " is not supported");
        }
        return t;
    }

    private static void quantize(OpContext ctx, long axis, long blockSize, DataType declared, String name,
            Kernels kernels) {
        Tensor x = ctx.input(0);
        Tensor scale = ctx.input(1);
        Tensor zp = ctx.input(2);
        DataType type = declared != null ? declared : zp != null ? zp.type() : DataType.UINT8;
        if (type != DataType.UINT8 && type != DataType.INT8 && type != DataType.UINT16 && type != DataType.INT16) {
            throw new EngineException("quantized type " + type + " is not supported");
        }
        if (ctx.tap().enabled() && x.type() == DataType.FLOAT) {
            ctx.tap().observe(name, x.floats(), x.size());
        }
        Tensor y = ctx.output(0, type, x.shape());
        LinearQuantization.ScaleLayout layout = LinearQuantization.ScaleLayout.of(x.shape(), scale, axis, blockSize);
        int lo = LinearQuantization.min(type);
        int hi = LinearQuantization.max(type);
        int n = x.size();
        if (layout.perTensor() && x.type() == DataType.FLOAT && (type == DataType.UINT8 || type == DataType.INT8)) {
            // the kernels' quantize has LinearQuantization.quantize's arithmetic (x / scale, half to even, saturate)
            float s = (float) scale.getDouble(0);
            int z = zp == null ? 0 : (int) zp.getLong(0);
            kernels.quantize(x.floats(), 0, y.bytes(), 0, n, s, z, dtype(type));
            return;
        }
        for (int i = 0; i < n; i++) {
            int si = layout.indexOf(i);
            float s = (float) scale.getDouble(si);
            int z = zp == null ? 0 : (int) zp.getLong(si);
            y.setLong(i, LinearQuantization.quantize((float) x.getDouble(i), s, z, lo, hi));
        }
    }

    private static void dequantize(OpContext ctx, long axis, long blockSize, Kernels kernels) {
        Tensor x = ctx.input(0);
        Tensor scale = ctx.input(1);
        Tensor zp = ctx.input(2);
        DataType outType = scale.type() == DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT;
        Tensor y = ctx.output(0, outType, x.shape());
        LinearQuantization.ScaleLayout layout = LinearQuantization.ScaleLayout.of(x.shape(), scale, axis, blockSize);
        int n = x.size();
        if (layout.perTensor() && outType == DataType.FLOAT && (x.type() == DataType.UINT8 || x.type() == DataType.INT8)) {
            // the common 8-bit case without per-element dispatch; same arithmetic as below
            float s = (float) scale.getDouble(0);
            int z = zp == null ? 0 : (int) zp.getLong(0);
            kernels.dequantize(x.bytes(), 0, y.floats(), 0, n, s, z, dtype(x.type()));
            return;
        }
        for (int i = 0; i < n; i++) {
            int si = layout.indexOf(i);
            float s = (float) scale.getDouble(si);
            long z = zp == null ? 0 : zp.getLong(si);
            y.setDouble(i, (float) (x.getLong(i) - z) * s);
        }
    }

    private static void dynamicQuantize(OpContext ctx, String name, Kernels kernels) {
        Tensor x = ctx.input(0);
        if (x.type() != DataType.FLOAT) {
            throw new EngineException("DynamicQuantizeLinear needs FLOAT input, got " + x.type());
        }
        float[] in = x.floats();
        int n = x.size();
        if (ctx.tap().enabled()) {
            ctx.tap().observe(name, in, n);
        }
        float min = 0f;
        float max = 0f;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, in[i]);
            max = Math.max(max, in[i]);
        }
        // ONNX: scale and zero point in float, zero point rounded half to even and saturated
        float scale = (max - min) / 255f;
        int zp = scale == 0f ? 0 : (int) Math.clamp(Math.rint(0f - min / scale), 0, 255);
        Tensor y = ctx.output(0, DataType.UINT8, x.shape());
        byte[] out = y.bytes();
        if (scale == 0f) {
            java.util.Arrays.fill(out, 0, n, (byte) zp);
        } else {
            kernels.quantize(in, 0, out, 0, n, scale, zp, DType.UINT8);
        }
        ctx.output(1, DataType.FLOAT, new int[0]).floats()[0] = scale;
        ctx.output(2, DataType.UINT8, new int[0]).bytes()[0] = (byte) zp;
    }

    private static DType dtype(DataType t) {
        return t == DataType.INT8 ? DType.INT8 : DType.UINT8;
    }
}
