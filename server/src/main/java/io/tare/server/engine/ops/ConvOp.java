package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * FP32 convolution over 1-D and 2-D inputs (NCW / NCHW) with groups, strides, dilations and
 * padding, as im2col followed by a matrix product per group. A bias input (or one folded in from
 * BatchNormalization) and a fused activation are applied in the same pass over the output.
 */
public final class ConvOp implements Operator {
    private final SpatialGeometry geometry;
    private final int group;
    private final FusedActivation activation;

    ConvOp(SpatialGeometry geometry, int group, FusedActivation activation) {
        this.geometry = geometry;
        this.group = group;
        this.activation = activation;
    }

    public static void register(OperatorRegistry r) {
        r.register("Conv", 1, s -> {
            Tensor w = s.constantInput(1);
            if (w != null && (w.rank() < 3 || w.rank() > 4)) {
                throw s.unsupported("only 1-D and 2-D convolutions are supported (weight rank " + w.rank() + ")");
            }
            Operator packed = FloatConv.tryCreate(s);
            if (packed != null) {
                return packed;
            }
            return new ConvOp(new SpatialGeometry(s.attrs(), null), (int) s.attrs().getInt("group", 1),
                    FusedActivation.from(s));
        });
    }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        Tensor w = ctx.input(1);
        Tensor b = ctx.input(2);
        if (x.type() != DataType.FLOAT || w.type() != DataType.FLOAT) {
            throw new EngineException("Conv supports FLOAT only, got " + x.type());
        }
        if (x.rank() != w.rank() || x.rank() < 3 || x.rank() > 4) {
            throw new EngineException("Conv input " + Arrays.toString(x.shape()) + " and weight "
                    + Arrays.toString(w.shape()) + " are not 1-D or 2-D convolution shapes");
        }
        boolean oneD = x.rank() == 3;
        int[] in = oneD ? new int[] {1, x.dim(2)} : new int[] {x.dim(2), x.dim(3)};
        int[] kernel = oneD ? new int[] {1, w.dim(2)} : new int[] {w.dim(2), w.dim(3)};
        SpatialGeometry.Layout g = oneD ? resolve1d(x.dim(2), w.dim(2)) : geometry.resolve(in, kernel);
        int batch = x.dim(0);
        int cin = x.dim(1);
        int cout = w.dim(0);
        int cinPerGroup = cin / group;
        int coutPerGroup = cout / group;
        if (cin % group != 0 || w.dim(1) != cinPerGroup || cout % group != 0) {
            throw new EngineException("Conv input channels " + cin + ", weight " + Arrays.toString(w.shape())
                    + " and group " + group + " do not match");
        }
        int oh = g.out()[0];
        int ow = g.out()[1];
        int[] outShape = oneD ? new int[] {batch, cout, ow} : new int[] {batch, cout, oh, ow};
        Tensor y = ctx.output(0, DataType.FLOAT, outShape);
        int kSize = cinPerGroup * kernel[0] * kernel[1];
        int spatial = oh * ow;
        float[] cols = ctx.floatScratch(0, kSize * spatial);
        float[] xs = x.floats();
        float[] ws = w.floats();
        float[] ys = y.floats();
        float[] bias = b == null ? null : b.floats();
        for (int n = 0; n < batch; n++) {
            for (int gi = 0; gi < group; gi++) {
                int xOff = (n * cin + gi * cinPerGroup) * in[0] * in[1];
                Im2Col.fill(xs, xOff, cinPerGroup, in[0], in[1], g, cols);
                int yOff = (n * cout + gi * coutPerGroup) * spatial;
                FloatMatrix.multiply(ws, gi * coutPerGroup * kSize, kSize, cols, 0, spatial, ys, yOff, spatial,
                        coutPerGroup, kSize, spatial, false);
            }
            for (int c = 0; c < cout; c++) {
                int off = (n * cout + c) * spatial;
                float bc = bias == null ? 0f : bias[c];
                activation.applyWithBias(ys, off, spatial, bc);
            }
        }
    }

    private SpatialGeometry.Layout resolve1d(int width, int kernelWidth) {
        SpatialGeometry.Layout l = geometry.resolve(new int[] {width}, new int[] {kernelWidth});
        return new SpatialGeometry.Layout(new int[] {1, width}, new int[] {1, l.out()[0]},
                new int[] {1, l.kernel()[0]}, new int[] {1, l.stride()[0]}, new int[] {1, l.dilation()[0]},
                new int[] {0, l.padBegin()[0]}, new int[] {0, l.padEnd()[0]});
    }
}
