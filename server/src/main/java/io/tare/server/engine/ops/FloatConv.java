package io.tare.server.engine.ops;

import io.tare.kernels.gemm.Activation;
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
 * load (as B^T), with bias and a ReLU/GELU applied by the GEMM epilogue, and the [pixels, channels]
 * block is written out as NCHW (other fused activations are applied during that write).
 *
 * <p>Threads: with a batch of several images and a multi-threaded {@link Compute}, images are
 * spread over the workers (each runs single-threaded GEMMs on its own scratch); a single image
 * splits its GEMMs by output-channel panels instead.
 */
final class FloatConv implements Operator {
    private final Compute compute;
    private final SpatialGeometry geometry;
    private final int group;
    private final int[] weightShape;
    private final PackedFloatMatrix[] weights;
    private final Epilogue[] epilogues;
    private final FusedActivation postActivation;

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
        FusedActivation act = FusedActivation.from(s);
        Activation inEpilogue = act.epilogueActivation();
        this.postActivation = inEpilogue == null ? act : FusedActivation.NONE;
        this.weights = new PackedFloatMatrix[group];
        this.epilogues = new Epilogue[group];
        for (int g = 0; g < group; g++) {
            weights[g] = compute.gemm().packFloat(w.floats(), g * n * k, k, n, true);
            float[] groupBias = bias == null ? null : java.util.Arrays.copyOfRange(bias, g * n, (g + 1) * n);
            epilogues[g] = Epilogue.of(groupBias, inEpilogue == null ? Activation.NONE : inEpilogue);
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
        float[][] patches = new float[workers][];
        float[][] blocks = new float[workers][];
        for (int w = 0; w < workers; w++) {
            patches[w] = ctx.floatScratch(2 * w, pixels * c.patch());
            blocks[w] = ctx.floatScratch(2 * w + 1, pixels * c.groupOut());
        }
        float[] xs = x.floats();
        if (workers == 1) {
            for (int img = 0; img < c.batch(); img++) {
                image(c, img, xs, y, compute.gemm(), patches[0], blocks[0]);
            }
            return;
        }
        compute.parallel((worker, count) -> {
            if (worker < workers) {
                for (int img = worker; img < c.batch(); img += workers) {
                    image(c, img, xs, y, compute.serialGemm(), patches[worker], blocks[worker]);
                }
            }
        });
    }

    private void image(ConvShape c, int img, float[] x, float[] y, Gemm gemm, float[] patches, float[] block) {
        int pixels = c.pixels();
        int k = c.patch();
        int n = c.groupOut();
        for (int g = 0; g < group; g++) {
            PatchRows.floats(x, c.inputOffset(img, g), c.groupIn(), c.in()[0], c.in()[1], c.layout(), patches, k);
            gemm.sgemm(patches, 0, k, pixels, weights[g], block, 0, n, epilogues[g]);
            int base = (img * c.outChannels() + g * n) * pixels;
            for (int j = 0; j < n; j++) {
                int dst = base + j * pixels;
                for (int p = 0; p < pixels; p++) {
                    y[dst + p] = block[p * n + j];
                }
                if (postActivation.kind() != FusedActivation.Kind.NONE) {
                    postActivation.applyWithBias(y, dst, pixels, 0f);
                }
            }
        }
    }
}
