package io.tare.server.engine.quant;

import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.KernelTier;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.gemm.WindowRows;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.compute.Compute;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.Operator;
import io.tare.server.engine.ops.PrepackedOperator;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.ops.OutputScatter;
import io.tare.server.engine.ops.PatchRows;
import io.tare.server.engine.ops.SpatialGeometry;
import java.util.Arrays;

/**
 * {@code tare:Int8Conv}: 2-D convolution (NCHW) with a constant 8-bit weight [M, C/group, kh, kw]
 * on the kernels' INT8 GEMM. The input is quantized once per tensor (or used as it comes when it is
 * already 8-bit), then per image and group its windows are unfolded into unsigned byte rows with
 * the zero point as padding (so padding is an exact zero), multiplied by the packed weight, and the
 * [pixels, channels] result is written out as NCHW, float or requantized 8-bit.
 *
 * <p>Channels-last: the {@link io.tare.server.engine.passes.ChannelsLastActivations} pass may mark
 * the input and/or the 8-bit output NHWC ({@code [N, H, W, C]}, attributes
 * {@link Int8LinearOps#ATTR_NHWC_INPUT}, {@link Int8LinearOps#ATTR_NHWC_OUTPUT}; group 1 only).
 * An NHWC input is padded by copying whole rows (or, unpadded, unfolded in place), and an NHWC
 * output is the GEMM's own [pixels, channels] block, written straight into the tensor with the
 * ReLU in the epilogue: the two transposes per layer of the NCHW path are gone.
 *
 * <p>Implicit im2col: on the native kernel tier the patch rows are not written out at all. The GEMM
 * gets each output pixel's window-row offsets in the padded channels-last image
 * ({@link WindowRows}) and gathers the rows in C as it packs A (the AVX2 kernel while widening
 * them to 16 bits; the other kernels from a 64-row block gathered by plain C), instead of ~6,500
 * short {@code System.arraycopy} calls per Fashion-MNIST image. Same bytes, same products: the
 * outputs are bit-identical. {@value #GATHER_PROPERTY}{@code =false} keeps the Java patch rows.
 *
 * <p>Threads: images of a batch are spread over the workers (each with its own scratch and
 * single-threaded GEMMs); a single image splits its GEMMs by output-channel panels instead.
 */
final class Int8Conv implements PrepackedOperator {
    /** {@code false}: patch rows copied by Java even on the native tier (read when the node is compiled). */
    static final String GATHER_PROPERTY = "tare.engine.conv.gather";

    private final Compute compute;
    private final SpatialGeometry geometry;
    private final int group;
    private final int[] weightShape;
    private final PackedInt8Matrix[] weights;
    private final Epilogue[] epilogues;
    /** With the ReLU (if any) included, for the NHWC output that has no scatter to apply it. */
    private final Epilogue nhwcEpilogue;
    private final Int8LayerSetup setup;
    private final ActivationSource source;
    private final boolean nhwcInput;
    private final boolean nhwcOutput;
    /** Weight zero points need the activation row sums; symmetric weights (the usual) do not. */
    private final boolean needsRowSums;
    /** The GEMM gathers window rows itself (native tier): no patch-row pass. */
    private final boolean gather;
    /** A memo, not state: the last input size's window offsets, replaced whole (a racing run at worst computes them again). */
    private volatile WindowOffsets windowOffsets;
    /**
     * The weights transformed for exact integer Winograd F(2x2, 3x3), or null: only 3x3 stride-1
     * undilated layers with symmetric int8 weights, a channels-last 8-bit output, and at least
     * {@link #WINOGRAD_MIN_CHANNELS} input channels (measured on Zen 3: 1.46x on 14x14x32, 1.28x on
     * 7x7x64, but 0.98x on 28x28x16, where each transform-domain GEMM has only 8 channel pairs), and
     * not when the weights fit 7 bits and a window row (3 x channels bytes) is whole 4-byte groups,
     * which the in-place VPMADDUBSW window kernel runs faster. The tier may still decline (only
     * native AVX2 has the kernel); the window GEMM then runs.
     */
    private final io.tare.kernels.conv.WinogradWeights winograd;
    static final int WINOGRAD_MIN_CHANNELS = 32;

    private Int8Conv(NodeSetup s, Tensor w, Int8LayerSetup setup) {
        this.compute = s.compute();
        this.geometry = new SpatialGeometry(s.attrs(), null);
        this.group = (int) s.attrs().getInt("group", 1);
        this.weightShape = w.shape().clone();
        this.setup = setup;
        this.source = new ActivationSource(s);
        this.nhwcInput = s.attrs().getInt(Int8LinearOps.ATTR_NHWC_INPUT, 0) != 0;
        this.nhwcOutput = s.attrs().getInt(Int8LinearOps.ATTR_NHWC_OUTPUT, 0) != 0;
        int cout = w.dim(0);
        if (group < 1 || cout % group != 0) {
            throw s.unsupported("group " + group + " does not divide " + cout + " output channels");
        }
        if ((nhwcInput || nhwcOutput) && group != 1) {
            throw s.unsupported("channels-last Int8Conv needs group 1, got " + group);
        }
        if (nhwcOutput && setup.output() == null) {
            throw s.unsupported("channels-last Int8Conv output must be requantized to 8 bits");
        }
        int n = cout / group;
        int k = w.size() / cout;
        byte[] reordered = PatchRows.channelsLastWeights(w.bytes(), cout, w.dim(1), w.dim(2), w.dim(3));
        this.weights = new PackedInt8Matrix[group];
        this.epilogues = new Epilogue[group];
        for (int g = 0; g < group; g++) {
            weights[g] = compute.gemm().packInt8(reordered, g * n * k, k, n, true, setup.weightParams(g * n, n));
            epilogues[g] = setup.epilogue(g * n, n, false);
        }
        this.nhwcEpilogue = setup.epilogue(0, cout, true);
        boolean zeroPoints = false;
        for (PackedInt8Matrix m : weights) {
            zeroPoints |= m.hasZeroPoints();
        }
        this.needsRowSums = zeroPoints;
        this.gather = compute.kernels().tier() == KernelTier.NATIVE
                && !"false".equalsIgnoreCase(System.getProperty(GATHER_PROPERTY, "true"));
        this.winograd = gather && nhwcOutput && group == 1 && !zeroPoints && w.type() == DataType.INT8
                && w.dim(2) == 3 && w.dim(3) == 3 && geometry.isUnitStrideUndilated()
                && w.dim(1) >= WINOGRAD_MIN_CHANNELS && io.tare.kernels.conv.WinogradWeights.fits(w.dim(1), cout)
                // on AVX2 (Winograd's only tier) weights in 7 bits over whole 4-byte window-row groups take
                // the in-place VPMADDUBSW window kernel, which measured faster (ResCNN 3x3 layers at 14x14
                // x 32 and 7x7 x 64 channels: 5% and 22%); other 7-bit rows are gathered, unmeasured
                // against Winograd, so they keep it
                && !(weights[0].fitsSevenBits() && w.dim(3) * w.dim(1) % 4 == 0)
                ? io.tare.kernels.conv.WinogradWeights.of(reordered, 0, cout, w.dim(1)) : null;
    }

    static Operator create(NodeSetup s) {
        Tensor w = s.constantInput(3);
        if (w == null || w.rank() != 4 || (w.type() != DataType.INT8 && w.type() != DataType.UINT8)) {
            throw s.unsupported("Int8Conv needs a constant 4-D 8-bit weight");
        }
        return new Int8Conv(s, w, Int8LayerSetup.of(s, w.dim(0)));
    }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        int channelAxis = nhwcInput ? 3 : 1;
        if (x.rank() != 4 || x.dim(channelAxis) != weightShape[1] * group) {
            throw new EngineException("input " + Arrays.toString(x.shape()) + (nhwcInput ? " (NHWC)" : "")
                    + " does not match weight " + Arrays.toString(weightShape) + " in " + group + " groups");
        }
        int batch = x.dim(0);
        int cin = x.dim(channelAxis);
        int[] in = nhwcInput ? new int[] {x.dim(1), x.dim(2)} : new int[] {x.dim(2), x.dim(3)};
        SpatialGeometry.Layout g = geometry.resolve(in, new int[] {weightShape[2], weightShape[3]});
        int pixels = g.spatialSize();
        int cout = weightShape[0];
        int n = cout / group;
        int k = weightShape[1] * weightShape[2] * weightShape[3];
        int[] yShape = nhwcOutput ? new int[] {batch, g.out()[0], g.out()[1], cout}
                : new int[] {batch, cout, g.out()[0], g.out()[1]};
        Tensor y = ctx.output(0, setup.outputType(), yShape);
        ActivationSource.QuantizedTensor xq = source.toBytes(ctx, x);
        int workers = batch > 1 ? Math.min(compute.threads(), batch) : 1;
        QuantizedRows[] rows = new QuantizedRows[workers];
        float[][] floatBlocks = new float[workers][];
        byte[][] byteBlocks = new byte[workers][];
        byte[][] padded = new byte[workers][];
        int paddedSize = PatchRows.paddedHeight(in[0], g) * PatchRows.paddedWidth(in[1], g) * weightShape[1];
        for (int w = 0; w < workers; w++) {
            rows[w] = ctx.quantizedRows(w, pixels, k);
            // one scale and zero point for every row of every image: set once per run, not per image
            rows[w].setRows(pixels);
            Arrays.fill(rows[w].scales(), 0, pixels, xq.scale());
            Arrays.fill(rows[w].zeroPoints(), 0, pixels, xq.storedZeroPoint());
            padded[w] = ctx.byteScratch(1 + workers + w, paddedSize);
            if (setup.output() == null) {
                floatBlocks[w] = ctx.floatScratch(w, pixels * n);
            } else {
                byteBlocks[w] = ctx.byteScratch(1 + w, pixels * n);
            }
        }
        // window rows must be contiguous: no dilation along the width
        int[] offsets = gather && g.dilation()[1] == 1 ? windowOffsets(in, g) : null;
        Image image = new Image(xq, cin, in, g, y, offsets);
        int[][] raws = new int[workers][];
        for (int w = 0; w < workers && winograd != null; w++) {
            raws[w] = ctx.intScratch(1 + w, pixels * cout);
        }
        if (workers == 1) {
            for (int img = 0; img < batch; img++) {
                image.run(img, compute.gemm(), rows[0], floatBlocks[0], byteBlocks[0], padded[0], raws[0]);
            }
            return;
        }
        compute.parallel((worker, count) -> {
            if (worker < workers) {
                for (int img = worker; img < batch; img += workers) {
                    image.run(img, compute.serialGemm(), rows[worker], floatBlocks[worker], byteBlocks[worker],
                            padded[worker], raws[worker]);
                }
            }
        });
    }

    /**
     * The window-row offsets of every output pixel for an input of spatial size {@code in}: they
     * depend only on the layer's geometry and that size, so they are computed when the size changes
     * and reused by every run (at batch 1, recomputing them each run cost ~5% of the model).
     */
    private int[] windowOffsets(int[] in, SpatialGeometry.Layout g) {
        WindowOffsets memo = windowOffsets;
        if (memo == null || memo.height() != in[0] || memo.width() != in[1]) {
            int[] offsets = new int[g.spatialSize() * weightShape[2]];
            PatchRows.windowOffsets(weightShape[1], PatchRows.paddedWidth(in[1], g), g, offsets);
            memo = new WindowOffsets(in[0], in[1], offsets);
            windowOffsets = memo;
        }
        return memo.offsets();
    }

    /** Window offsets for one input size; immutable once published (the array is never written again). */
    private record WindowOffsets(int height, int width, int[] offsets) { }

    @Override
    public boolean readsAtRunTime(int index) {
        return index <= 2;
    }

    /** One run's per-image work. */
    private final class Image {
        private final ActivationSource.QuantizedTensor xq;
        private final int cin;
        private final int[] in;
        private final SpatialGeometry.Layout layout;
        private final Tensor y;
        /** Window-row offsets of every output pixel for the GEMM to gather, or null: patch rows in Java. */
        private final int[] offsets;

        Image(ActivationSource.QuantizedTensor xq, int cin, int[] in, SpatialGeometry.Layout layout, Tensor y,
                int[] offsets) {
            this.xq = xq;
            this.cin = cin;
            this.in = in;
            this.layout = layout;
            this.y = y;
            this.offsets = offsets;
        }

        void run(int img, Gemm gemm, QuantizedRows a, float[] floatBlock, byte[] byteBlock, byte[] padded,
                int[] rawScratch) {
            int pixels = layout.spatialSize();
            int cinG = cin / group;
            int n = weightShape[0] / group;
            int k = a.k();
            for (int g = 0; g < group; g++) {
                WindowRows windows = null;
                if (offsets != null) {
                    windows = windows(img, g, padded);
                    if (needsRowSums) {
                        PatchRows.windowSums(compute.kernels(), windows.src(), windows.srcOff(), offsets, windows.kh(),
                                windows.run(), pixels, a.rowSums());
                    }
                } else if (nhwcInput) {
                    gatherChannelsLast(img, a, padded);
                } else {
                    int xOff = (img * cin + g * cinG) * in[0] * in[1];
                    PatchRows.paddedChannelsLast(xq.data(), xOff, cinG, in[0], in[1], layout, (byte) xq.zeroPoint(),
                            xq.flip(), padded);
                    PatchRows.fromChannelsLast(padded, cinG, PatchRows.paddedWidth(in[1], layout), layout, a.data(),
                            a.stride());
                }
                if (needsRowSums && windows == null) {
                    int[] sums = a.rowSums();
                    for (int r = 0; r < pixels; r++) {
                        sums[r] = compute.kernels().sumUnsigned(a.data(), r * a.stride(), k);
                    }
                }
                if (nhwcOutput) {
                    // one worker per image only: at batch 1 on several threads the window GEMM splits its panels
                    if (winograd != null && windows != null && rawScratch != null && gemm.threads() == 1
                            && compute.kernels().winograd3x3(windows.src(), windows.srcOff(),
                                    PatchRows.paddedHeight(in[0], layout), PatchRows.paddedWidth(in[1], layout),
                                    layout.out()[0], layout.out()[1], winograd, rawScratch, 0)) {
                        gemm.requantizeRaw(rawScratch, a, weights[0], y.bytes(), img * pixels * n, n, nhwcEpilogue);
                        continue;
                    }
                    gemm.int8Requantize(a, windows, weights[0], y.bytes(), img * pixels * n, n, nhwcEpilogue);
                    continue;
                }
                int base = (img * weightShape[0] + g * n) * pixels;
                if (byteBlock != null) {
                    gemm.int8Requantize(a, windows, weights[g], byteBlock, 0, n, epilogues[g]);
                    byte[] out = y.bytes();
                    boolean signed = setup.output().dtype() == io.tare.kernels.tensor.DType.INT8;
                    int floor = setup.output().zeroPoint(0);
                    for (int j = 0; j < n; j++) {
                        OutputScatter.bytes(byteBlock, j, n, pixels, setup.isRelu(), floor, signed, out,
                                base + j * pixels);
                    }
                } else {
                    gemm.int8(a, windows, weights[g], floatBlock, 0, n, epilogues[g]);
                    float[] out = y.floats();
                    FusedActivation after = setup.isRelu() || setup.needsPostActivation() ? setup.activation()
                            : FusedActivation.NONE;
                    for (int j = 0; j < n; j++) {
                        OutputScatter.floats(floatBlock, j, n, pixels, 0f, after, out, base + j * pixels);
                    }
                }
            }
        }

        /**
         * Group {@code g} of image {@code img} as window rows: an unpadded NHWC image in place, anything
         * else first copied into {@code padded} (channels-last, padding = the stored zero point).
         */
        private WindowRows windows(int img, int g, byte[] padded) {
            int cinG = cin / group;
            int run = weightShape[3] * cinG;
            boolean unpadded = PatchRows.paddedHeight(in[0], layout) == in[0]
                    && PatchRows.paddedWidth(in[1], layout) == in[1];
            if (nhwcInput) {
                int xOff = img * in[0] * in[1] * cin;
                if (xq.flip() == 0 && unpadded) {
                    return new WindowRows(xq.data(), xOff, offsets, weightShape[2], run);
                }
                PatchRows.padChannelsLast(xq.data(), xOff, cin, in[0], in[1], layout, (byte) xq.zeroPoint(), xq.flip(),
                        padded);
            } else {
                int xOff = (img * cin + g * cinG) * in[0] * in[1];
                PatchRows.paddedChannelsLast(xq.data(), xOff, cinG, in[0], in[1], layout, (byte) xq.zeroPoint(),
                        xq.flip(), padded);
            }
            return new WindowRows(padded, 0, offsets, weightShape[2], run);
        }

        /** Patch rows of image {@code img} of an NHWC input (group 1): unfolded in place when unpadded. */
        private void gatherChannelsLast(int img, QuantizedRows a, byte[] padded) {
            int xOff = img * in[0] * in[1] * cin;
            if (xq.flip() == 0 && PatchRows.paddedHeight(in[0], layout) == in[0]
                    && PatchRows.paddedWidth(in[1], layout) == in[1]) {
                PatchRows.fromChannelsLast(xq.data(), xOff, cin, in[1], layout, a.data(), a.stride());
                return;
            }
            PatchRows.padChannelsLast(xq.data(), xOff, cin, in[0], in[1], layout, (byte) xq.zeroPoint(), xq.flip(),
                    padded);
            PatchRows.fromChannelsLast(padded, cin, PatchRows.paddedWidth(in[1], layout), layout, a.data(),
                    a.stride());
        }
    }
}
