package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * One convolution call's shapes, resolved from the input and the weight: 1-D convolutions are
 * treated as 2-D with height 1. {@code patch} is the GEMM's k (C/group * kh * kw), {@code pixels}
 * its m per image, {@code groupOut} its n per group.
 */
record ConvShape(int batch, int channels, int outChannels, int group, int[] in, SpatialGeometry.Layout layout,
        int[] outShape) {

    static ConvShape resolve(SpatialGeometry geometry, int group, Tensor x, int[] weightShape) {
        int rank = weightShape.length;
        if (x.rank() != rank || rank < 3 || rank > 4) {
            throw new EngineException("Conv input " + Arrays.toString(x.shape()) + " and weight "
                    + Arrays.toString(weightShape) + " are not 1-D or 2-D convolution shapes");
        }
        int batch = x.dim(0);
        int cin = x.dim(1);
        int cout = weightShape[0];
        if (cin % group != 0 || weightShape[1] != cin / group || cout % group != 0) {
            throw new EngineException("Conv input channels " + cin + ", weight " + Arrays.toString(weightShape)
                    + " and group " + group + " do not match");
        }
        boolean oneD = rank == 3;
        SpatialGeometry.Layout g;
        int[] in;
        if (oneD) {
            SpatialGeometry.Layout l = geometry.resolve(new int[] {x.dim(2)}, new int[] {weightShape[2]});
            in = new int[] {1, x.dim(2)};
            g = new SpatialGeometry.Layout(in, new int[] {1, l.out()[0]}, new int[] {1, l.kernel()[0]},
                    new int[] {1, l.stride()[0]}, new int[] {1, l.dilation()[0]}, new int[] {0, l.padBegin()[0]},
                    new int[] {0, l.padEnd()[0]});
        } else {
            in = new int[] {x.dim(2), x.dim(3)};
            g = geometry.resolve(in, new int[] {weightShape[2], weightShape[3]});
        }
        int[] outShape = oneD ? new int[] {batch, cout, g.out()[1]} : new int[] {batch, cout, g.out()[0], g.out()[1]};
        return new ConvShape(batch, cin, cout, group, in, g, outShape);
    }

    int pixels() {
        return layout.spatialSize();
    }

    int groupIn() {
        return channels / group;
    }

    int groupOut() {
        return outChannels / group;
    }

    int patch() {
        return groupIn() * layout.kernel()[0] * layout.kernel()[1];
    }

    int imageSize() {
        return channels * in[0] * in[1];
    }

    /** Offset in the input of image {@code img}, group {@code grp}'s first channel. */
    int inputOffset(int img, int grp) {
        return (img * channels + grp * groupIn()) * in[0] * in[1];
    }
}
