package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.Im2Col;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.ops.SpatialGeometry;
import java.util.Arrays;

/**
 * 2-D quantized convolutions on 8-bit NCHW data, accumulated exactly in int32: ConvInteger
 * (int32 out) and QLinearConv (int32 bias, per-tensor or per-output-channel weight scales,
 * requantized 8-bit out). Windows are unfolded with the input's zero point as padding, so padded
 * positions contribute exactly zero.
 */
public final class IntegerConvOps {
    private IntegerConvOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("ConvInteger", 10, s -> {
            SpatialGeometry g = new SpatialGeometry(s.attrs(), null);
            int group = (int) s.attrs().getInt("group", 1);
            return ctx -> conv(ctx, g, group, false);
        });
        r.register("QLinearConv", 10, s -> {
            SpatialGeometry g = new SpatialGeometry(s.attrs(), null);
            int group = (int) s.attrs().getInt("group", 1);
            return ctx -> conv(ctx, g, group, true);
        });
    }

    private static void conv(OpContext ctx, SpatialGeometry geometry, int group, boolean qlinear) {
        Tensor x = ctx.input(0);
        Tensor w = ctx.input(qlinear ? 3 : 1);
        Tensor xZpT = ctx.input(qlinear ? 2 : 2);
        Tensor wZpT = ctx.input(qlinear ? 5 : 3);
        if (x.rank() != 4 || w.rank() != 4) {
            throw new EngineException("only 2-D quantized convolutions are supported, input "
                    + Arrays.toString(x.shape()));
        }
        if (!IntegerMatrix.isEightBit(x.type()) || !IntegerMatrix.isEightBit(w.type())) {
            throw new EngineException("8-bit operands expected, got " + x.type() + " and " + w.type());
        }
        int batch = x.dim(0);
        int cin = x.dim(1);
        int cout = w.dim(0);
        int cinG = cin / group;
        int coutG = cout / group;
        if (w.dim(1) != cinG) {
            throw new EngineException("weight " + Arrays.toString(w.shape()) + " does not match " + cin
                    + " input channels in " + group + " groups");
        }
        int[] in = {x.dim(2), x.dim(3)};
        SpatialGeometry.Layout g = geometry.resolve(in, new int[] {w.dim(2), w.dim(3)});
        int spatial = g.spatialSize();
        int kSize = cinG * w.dim(2) * w.dim(3);
        int xZp = IntegerMatrix.scalarZeroPoint(xZpT);
        boolean xUnsigned = x.type() == DataType.UINT8;
        boolean wUnsigned = w.type() == DataType.UINT8;
        int[] weights = ctx.intScratch(0, cout * kSize);
        for (int co = 0; co < cout; co++) {
            int z = wZpT == null ? 0 : wZpT.size() == 1 ? (int) wZpT.getLong(0) : (int) wZpT.getLong(co);
            IntegerMatrix.widen(w.bytes(), co * kSize, kSize, wUnsigned, z, weights, co * kSize);
        }
        byte[] cols = ctx.byteScratch(0, kSize * spatial);
        int[] colsInt = ctx.intScratch(1, kSize * spatial);
        int[] acc = ctx.intScratch(2, coutG * spatial);
        int[] outShape = {batch, cout, g.out()[0], g.out()[1]};
        DataType outType = !qlinear ? DataType.INT32 : ctx.input(7) == null ? DataType.UINT8 : ctx.input(7).type();
        Tensor y = ctx.output(0, outType, outShape);
        for (int n = 0; n < batch; n++) {
            for (int gi = 0; gi < group; gi++) {
                int xOff = (n * cin + gi * cinG) * in[0] * in[1];
                Im2Col.fill(x.bytes(), xOff, cinG, in[0], in[1], g, (byte) xZp, cols);
                IntegerMatrix.widen(cols, 0, kSize * spatial, xUnsigned, xZp, colsInt, 0);
                IntegerMatrix.multiply(weights, gi * coutG * kSize, colsInt, 0, acc, 0, coutG, kSize, spatial);
                int yOff = (n * cout + gi * coutG) * spatial;
                if (!qlinear) {
                    System.arraycopy(acc, 0, y.ints(), yOff, coutG * spatial);
                } else {
                    requantize(ctx, acc, gi * coutG, coutG, spatial, y, yOff);
                }
            }
        }
    }

    private static void requantize(OpContext ctx, int[] acc, int firstChannel, int channels, int spatial, Tensor y,
            int yOff) {
        float xScale = (float) ctx.input(1).getDouble(0);
        Tensor wScale = ctx.input(4);
        float yScale = (float) ctx.input(6).getDouble(0);
        int yZp = IntegerMatrix.scalarZeroPoint(ctx.input(7));
        Tensor bias = ctx.input(8);
        int lo = LinearQuantization.min(y.type());
        int hi = LinearQuantization.max(y.type());
        for (int c = 0; c < channels; c++) {
            int co = firstChannel + c;
            float multiplier = xScale * (float) wScale.getDouble(wScale.size() == 1 ? 0 : co) / yScale;
            long b = bias == null ? 0 : bias.getLong(co);
            for (int s = 0; s < spatial; s++) {
                double v = Math.rint((acc[c * spatial + s] + b) * (double) multiplier) + yZp;
                y.setLong(yOff + c * spatial + s, (long) Math.clamp(v, lo, hi));
            }
        }
    }
}
