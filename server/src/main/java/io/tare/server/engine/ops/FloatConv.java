package io.tare.server.engine.ops;

import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.compute.Compute;

/**
 * FP32 1-D/2-D convolution with a constant weight on the kernels' SGEMM: per image and group,
 * the windows are unfolded into rows ({@link PatchRows}), multiplied by the weight packed once at
 * load (as B^T, its K axis reordered to match), and the [pixels, channels] block is written out as
 * NCHW with bias and the fused activation applied during that write.
 *
 * <p>Threads: with a batch of several images and a multi-threaded {@link Compute}, images are
 * spread over the workers (each runs single-threaded GEMMs on its own scratch); a single image
 * splits its GEMMs by output-channel panels instead.
 */
final class FloatConv implements PrepackedOperator {
    private final Compute compute;
    private final SpatialGeometry geometry;
    private final int group;
    private final int[] weightShape;
    private final PackedFloatMatrix[] weights;
    private final float[] bias;
    private final FusedActivation activation;

    private FloatConv(NodeSetup s, Tensor w, float[] bias) {
        this.compute = s.compute();
        this.geometry = new SpatialGeometry(s.attrs(), null);
        this.group = (int) s.attrs().getInt("group", 1);
        this.weightShape = w.shape().clone();
        int cout = w.dim(0);
        if (group < 1 || cout % group != 0) {
            throw s.unsupported("group " + group + " does not divide " + cout + " output channels");
        }
        int n = cout / group;
        int k = w.size() / cout;
        this.activation = FusedActivation.from(s);
        this.bias = bias;
        int kh = w.dim(2);
        int kw = w.rank() == 4 ? w.dim(3) : 1;
        if (w.rank() == 3) { // 1-D: the kernel runs along the width of a height-1 image
            kh = 1;
            kw = w.dim(2);
        }
        float[] reordered = PatchRows.channelsLastWeights(w.floats(), cout, w.dim(1), kh, kw);
        this.weights = new PackedFloatMatrix[group];
        for (int g = 0; g < group; g++) {
            weights[g] = compute.gemm().packFloat(reordered, g * n * k, k, n, true);
        }
    }

    /** A Conv with a constant FLOAT weight (and constant bias, if any) of rank 3 or 4, or null. */
    static Operator tryCreate(NodeSetup s) {
        Tensor w = s.constantInput(1);
        if (w == null || w.type() != DataType.FLOAT || w.rank() < 3 || w.rank() > 4 || w.size() == 0) {
            return null;
        }
        float[] bias = null;
        if (s.node().hasInput(2)) {
            Tensor b = s.constantInput(2);
            if (b == null || b.type() != DataType.FLOAT || b.size() != w.dim(0)) {
                return null;
            }
            bias = b.floats().clone();
        }
        return new FloatConv(s, w, bias);
    }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        if (x.type() != DataType.FLOAT) {
            throw new EngineException("Conv supports FLOAT only, got " + x.type());
        }
        ConvShape c = ConvShape.resolve(geometry, group, x, weightShape);
        float[] y = ctx.output(0, DataType.FLOAT, c.outShape()).floats();
        int pixels = c.pixels();
        int workers = c.batch() > 1 ? Math.min(compute.threads(), c.batch()) : 1;
        int paddedSize = PatchRows.paddedHeight(c.in()[0], c.layout()) * PatchRows.paddedWidth(c.in()[1], c.layout())
                * c.groupIn();
        float[][] patches = new float[workers][];
        float[][] blocks = new float[workers][];
        float[][] padded = new float[workers][];
        for (int w = 0; w < workers; w++) {
            patches[w] = ctx.floatScratch(3 * w, pixels * c.patch());
            blocks[w] = ctx.floatScratch(3 * w + 1, pixels * c.groupOut());
            padded[w] = ctx.floatScratch(3 * w + 2, paddedSize);
        }
        float[] xs = x.floats();
        if (workers == 1) {
            for (int img = 0; img < c.batch(); img++) {
                image(c, img, xs, y, compute.gemm(), patches[0], blocks[0], padded[0]);
            }
            return;
        }
        compute.parallel((worker, count) -> {
            if (worker < workers) {
                for (int img = worker; img < c.batch(); img += workers) {
                    image(c, img, xs, y, compute.serialGemm(), patches[worker], blocks[worker], padded[worker]);
                }
            }
        });
    }

    private void image(ConvShape c, int img, float[] x, float[] y, Gemm gemm, float[] patches, float[] block,
            float[] padded) {
        int pixels = c.pixels();
        int k = c.patch();
        int n = c.groupOut();
        int wp = PatchRows.paddedWidth(c.in()[1], c.layout());
        for (int g = 0; g < group; g++) {
            PatchRows.paddedChannelsLast(x, c.inputOffset(img, g), c.groupIn(), c.in()[0], c.in()[1], c.layout(),
                    padded);
            PatchRows.fromChannelsLast(padded, c.groupIn(), wp, c.layout(), patches, k);
            gemm.sgemm(patches, 0, k, pixels, weights[g], block, 0, n, Epilogue.NONE);
            int base = (img * c.outChannels() + g * n) * pixels;
            for (int j = 0; j < n; j++) {
                int dst = base + j * pixels;
                float b = bias == null ? 0f : bias[g * n + j];
                OutputScatter.floats(block, j, n, pixels, b, activation, y, dst);
            }
        }
    }

    @Override
    public boolean readsAtRunTime(int index) {
        return index == 0;
    }
}
