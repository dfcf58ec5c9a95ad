package io.tare.kernels.foreign;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The native tier: INT8 GEMM and W8A32 in C ({@code src/main/c/tare_kernels.c}: AVX-512 VNNI,
 * AVX-VNNI or AVX2 {@code VPMADDWD}, picked from the CPU at load; on AVX2, weights that
 * {@link PackedInt8Matrix#fitsSevenBits() fit seven bits} take {@code VPMADDUBSW}), called through FFM with
 * {@link Linker.Option#critical(boolean) critical} downcalls that read Java arrays in place (no
 * copies; 10-20 ns per call). FP32 GEMM and the element-wise quantization ops are delegated to the
 * Vector API tier (or the scalar one without it): C would not beat them.
 *
 * <p>INT8 weights use the {@code K4_INTERLEAVED} layout with 16-column panels. The system
 * property {@value #ISA_PROPERTY} ({@code avx2}, {@code avxvnni}, {@code avx512vnni}, {@code amx}) forces a
 * lower instruction set, so that tests can cover every kernel on a VNNI machine. Thread-safe.
 */
public final class NativeKernels implements Kernels {
    public static final String ISA_PROPERTY = "tare.kernels.native.isa";
    private static final String[] ISA_NAMES = {"none", "avx2", "avxvnni", "avx512vnni", "amx"};
    private static final int PANEL = 16;
    /** tare_isa()'s code for AVX2 (ISA_NAMES index). */
    private static final int ISA_AVX2 = 1;

    private static final Loaded LOADED = Loaded.attempt();

    private final Kernels delegate;
    /*
     * The downcall handles are static finals, i.e. constants to C2, which can then inline the
     * downcalls and drop some of the heap segments (MemorySegment.ofArray and its slices) each call
     * makes: the Fashion-MNIST ResCNN allocated 1.02 MB per batch of 32 instead of 1.64 with
     * instance-field handles. The rest (JFR: the segments of int8Fused, int8Windows and friends)
     * remains, one set per call. Null when the library did not load (then no instance exists).
     */
    private static final MethodHandle INT8 = LOADED.int8();
    private static final MethodHandle INT8_FUSED = LOADED.int8Fused();
    private static final MethodHandle QUANTIZE = LOADED.quantize();
    private static final MethodHandle QUANTIZE_ROWS = LOADED.quantizeRows();
    private static final MethodHandle W8A32 = LOADED.w8a32();
    private static final MethodHandle GATHER = LOADED.gather();
    private static final MethodHandle INT8_WINDOWS = LOADED.int8Windows();
    private static final MethodHandle REQUANTIZE_FLAT = LOADED.requantizeFlat();
    private static final MethodHandle ADD_QUANTIZED = LOADED.addQuantized();
    private static final MethodHandle WINOGRAD_3X3 = LOADED.winograd3x3();
    private final int isa;

    private NativeKernels(Kernels delegate, Loaded lib) {
        this.delegate = delegate;
        this.isa = lib.isa;
    }

    /** The native tier, if its library loads and the CPU has at least AVX2. */
    public static Optional<Kernels> load() {
        if (LOADED.failure != null) {
            return Optional.empty();
        }
        Kernels delegate = KernelProvider.tier(KernelTier.SIMD)
                .orElseGet(() -> KernelProvider.tier(KernelTier.SCALAR).orElseThrow());
        return Optional.of(new NativeKernels(delegate, LOADED));
    }

    /** Why the native tier cannot run here, or empty. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(LOADED.failure);
    }

    /** The instruction set in use: avx2, avxvnni or avx512vnni. */
    public String isa() {
        return ISA_NAMES[isa];
    }

    @Override
    public KernelTier tier() {
        return KernelTier.NATIVE;
    }

    @Override
    public String description() {
        return "native C INT8 kernels (" + isa() + "), FP32 via " + delegate.description();
    }

    /** {@code tare_quantize} for INT8/UINT8 (identical bytes to the Vector API tier, ~4x faster on Zen 3). */
    @Override
    public void quantize(float[] x, int xOff, byte[] q, int qOff, int n, float scale, int zeroPoint, DType type) {
        if (n < 8 || (type != DType.INT8 && type != DType.UINT8)) {
            delegate.quantize(x, xOff, q, qOff, n, scale, zeroPoint, type);
            return;
        }
        java.util.Objects.checkFromIndexSize(xOff, n, x.length);
        java.util.Objects.checkFromIndexSize(qOff, n, q.length);
        try {
            QUANTIZE.invokeExact(MemorySegment.ofArray(x).asSlice(4L * xOff), n, scale, zeroPoint, type.qmin(),
                    type.qmax(), MemorySegment.ofArray(q).asSlice(qOff));
        } catch (Throwable t) {
            throw new IllegalStateException("native quantize failed", t);
        }
    }

    /** {@code tare_quantize_rows}: one downcall for all rows, their byte sums included. */
    @Override
    public void quantizeRows(float[] x, int xOff, int ldx, int m, int n, float[] scales, int[] zeroPoints,
            int paramOff, byte[] q, int qOff, int ldq, int[] rowSums) {
        if (n < 8 || m < 1) {
            Kernels.super.quantizeRows(x, xOff, ldx, m, n, scales, zeroPoints, paramOff, q, qOff, ldq, rowSums);
            return;
        }
        if (ldx < n || ldq < n) {
            throw new IllegalArgumentException("row strides " + ldx + ", " + ldq + " below the row length " + n);
        }
        java.util.Objects.checkFromIndexSize(xOff, (long) (m - 1) * ldx + n, x.length);
        java.util.Objects.checkFromIndexSize(qOff, (long) (m - 1) * ldq + n, q.length);
        java.util.Objects.checkFromIndexSize(paramOff, m, scales.length);
        java.util.Objects.checkFromIndexSize(paramOff, m, zeroPoints.length);
        MemorySegment sums = MemorySegment.NULL;
        if (rowSums != null) {
            java.util.Objects.checkFromIndexSize(paramOff, m, rowSums.length);
            sums = MemorySegment.ofArray(rowSums).asSlice(4L * paramOff);
        }
        try {
            QUANTIZE_ROWS.invokeExact(MemorySegment.ofArray(x).asSlice(4L * xOff), ldx, m, n,
                    MemorySegment.ofArray(scales).asSlice(4L * paramOff),
                    MemorySegment.ofArray(zeroPoints).asSlice(4L * paramOff), MemorySegment.ofArray(q).asSlice(qOff),
                    ldq, sums);
        } catch (Throwable t) {
            throw new IllegalStateException("native row quantize failed", t);
        }
    }

    @Override
    public void dequantize(byte[] q, int qOff, float[] x, int xOff, int n, float scale, int zeroPoint, DType type) {
        delegate.dequantize(q, qOff, x, xOff, n, scale, zeroPoint, type);
    }

    @Override
    public void minMax(float[] x, int off, int n, float[] out) {
        delegate.minMax(x, off, n, out);
    }

    @Override
    public int sumUnsigned(byte[] q, int off, int n) {
        return delegate.sumUnsigned(q, off, n);
    }

    @Override
    public void gelu(float[] x, int off, int n) {
        delegate.gelu(x, off, n);
    }

    @Override
    public void biasGelu(float[] x, int off, int n, float[] bias, int biasOff) {
        delegate.biasGelu(x, off, n, bias, biasOff);
    }

    @Override
    public void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        delegate.softmax(x, xOff, y, yOff, n);
    }

    @Override
    public void scaledMaskedSoftmax(float[] x, int xOff, float c, boolean divide, float[] mask, int maskOff, float[] y,
            int yOff, int n) {
        delegate.scaledMaskedSoftmax(x, xOff, c, divide, mask, maskOff, y, yOff, n);
    }

    @Override
    public int floatPanelWidth() {
        return delegate.floatPanelWidth();
    }

    @Override
    public int int8PanelWidth() {
        return PANEL;
    }

    @Override
    public PackedInt8Matrix.Layout int8Layout() {
        return PackedInt8Matrix.Layout.K4_INTERLEAVED;
    }

    @Override
    public void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc) {
        delegate.sgemm(a, aOff, lda, m, b, panelFrom, panelTo, c, cOff, ldc);
    }

    @Override
    public void sgemmPlain(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n, float[] c,
            int cOff, int ldc) {
        delegate.sgemmPlain(a, aOff, lda, m, k, b, bOff, ldb, n, c, cOff, ldc);
    }

    @Override
    public void int8(byte[] aU8, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            int[] c, int cOff, int ldc) {
        if (m == 0 || panelTo <= panelFrom) {
            return;
        }
        int nvalid = b.n() - panelFrom * PANEL;
        try {
            INT8.invokeExact(MemorySegment.ofArray(aU8).asSlice(aOff), lda, m, b.kPadded(),
                    MemorySegment.ofArray(b.data()).asSlice(b.panelOffset(panelFrom)), panelTo - panelFrom, nvalid,
                    MemorySegment.ofArray(c).asSlice(4L * cOff), ldc, isa, sevenBits(b));
        } catch (Throwable t) {
            throw new IllegalStateException("native int8 kernel failed", t);
        }
    }

    /** On AVX2 only: VNNI and AMX ignore the b7 flag (see {@link #sevenBits}). */
    @Override
    public boolean favoursSevenBitWeights() {
        return isa == ISA_AVX2;
    }

    @Override
    public boolean fusesInt8Epilogue() {
        return true;
    }

    /**
     * {@code tare_int8_fused}: the tier's kernel writes the raw sums straight into C and the same call
     * corrects (and dequantizes) them in AVX2 while they are in cache: no int32 scratch, no Java pass.
     */
    @Override
    public void int8Fused(io.tare.kernels.quant.QuantizedRows a, int rowFrom, int m, PackedInt8Matrix b,
            int panelFrom, int panelTo, int[] bias, int[] ci, float[] cf, int cOff, int ldc) {
        if (m == 0 || panelTo <= panelFrom) {
            return;
        }
        int j0 = panelFrom * PANEL;
        int cols = Math.min(b.n(), panelTo * PANEL) - j0;
        java.util.Objects.checkFromIndexSize(rowFrom, m, a.maxRows());
        java.util.Objects.checkFromIndexSize((long) rowFrom * a.stride(), (long) m * a.stride(), a.data().length);
        if (panelFrom < 0 || panelTo > b.panels()) {
            throw new IndexOutOfBoundsException("panels " + panelFrom + ".." + panelTo + " of " + b.panels());
        }
        int cLength = cf != null ? cf.length : ci.length;
        java.util.Objects.checkFromIndexSize(cOff, (m - 1) * (long) ldc + cols, cLength);
        if (bias != null) {
            java.util.Objects.checkFromIndexSize(j0, cols, bias.length);
        }
        int lda = a.stride();
        // locals, not conditionals in the call: invokeExact would type those as Object
        MemorySegment biasSeg = bias == null ? MemorySegment.NULL : MemorySegment.ofArray(bias).asSlice(4L * j0);
        MemorySegment rowScales = cf == null ? MemorySegment.NULL
                : MemorySegment.ofArray(a.scales()).asSlice(4L * rowFrom);
        MemorySegment out = cf != null ? MemorySegment.ofArray(cf).asSlice(4L * cOff)
                : MemorySegment.ofArray(ci).asSlice(4L * cOff);
        try {
            INT8_FUSED.invokeExact(MemorySegment.ofArray(a.data()).asSlice((long) rowFrom * lda), lda, m, b.k(),
                    b.kPadded(), MemorySegment.ofArray(b.data()).asSlice(b.panelOffset(panelFrom)),
                    panelTo - panelFrom, b.n() - j0,
                    MemorySegment.ofArray(a.zeroPoints()).asSlice(4L * rowFrom),
                    MemorySegment.ofArray(a.rowSums()).asSlice(4L * rowFrom),
                    MemorySegment.ofArray(b.zeroPointArray()).asSlice(4L * j0),
                    MemorySegment.ofArray(b.columnSumArray()).asSlice(4L * j0),
                    biasSeg, rowScales, MemorySegment.ofArray(b.scaleArray()).asSlice(4L * j0), out, ldc, isa,
                    sevenBits(b));
        } catch (Throwable t) {
            throw new IllegalStateException("native fused int8 kernel failed", t);
        }
    }

    @Override
    public void w8a32(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc) {
        if (m == 0 || panelTo <= panelFrom) {
            return;
        }
        int nvalid = b.n() - panelFrom * PANEL;
        try {
            W8A32.invokeExact(MemorySegment.ofArray(a).asSlice(4L * aOff), lda, m, b.k(), b.kPadded(),
                    MemorySegment.ofArray(b.data()).asSlice(b.panelOffset(panelFrom)), panelTo - panelFrom, nvalid,
                    MemorySegment.ofArray(c).asSlice(4L * cOff), ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("native w8a32 kernel failed", t);
        }
    }

    /** In C ({@code tare_gather_rows}, plain C shared by every ISA): window rows copied in 16-byte moves. */
    @Override
    public void gatherRows(byte[] src, int srcOff, int[] offsets, int offOff, int kh, int run, int m, byte[] dst,
            int dstOff, int ldd) {
        if (m == 0) {
            return;
        }
        java.util.Objects.checkFromIndexSize(dstOff, m * ldd, dst.length);
        if (kh * run > ldd) {
            throw new IllegalArgumentException("rows of " + kh + " x " + run + " bytes do not fit ldd " + ldd);
        }
        checkWindows(src, srcOff, offsets, offOff, m * kh, run);
        try {
            GATHER.invokeExact(MemorySegment.ofArray(src).asSlice(srcOff),
                    MemorySegment.ofArray(offsets).asSlice(4L * offOff), kh, run, m,
                    MemorySegment.ofArray(dst).asSlice(dstOff), ldd);
        } catch (Throwable t) {
            throw new IllegalStateException("native gather failed", t);
        }
    }

    /**
     * {@code tare_int8_windows}: on AVX2 the VPMADDUBSW kernel (7-bit weights) reads window rows whose
     * runs are whole 4-byte groups in place, and the blocked widening kernel gathers them while it
     * widens A (the patch rows are never written); the other kernels get them from the plain C
     * gather, in {@code work}.
     */
    @Override
    public void int8Windows(io.tare.kernels.gemm.WindowRows windows, int rowFrom, int m, byte[] work,
            PackedInt8Matrix b, int panelFrom, int panelTo, int[] c, int cOff, int ldc) {
        if (m == 0 || panelTo <= panelFrom) {
            return;
        }
        int kh = windows.kh();
        if (windows.k() != b.k()) {
            throw new IllegalArgumentException("windows give k=" + windows.k() + ", B has k=" + b.k());
        }
        java.util.Objects.checkFromIndexSize(0, m * b.kPadded(), work.length);
        checkWindows(windows.src(), windows.srcOff(), windows.offsets(), rowFrom * kh, m * kh, windows.run());
        int nvalid = b.n() - panelFrom * PANEL;
        try {
            INT8_WINDOWS.invokeExact(MemorySegment.ofArray(windows.src()).asSlice(windows.srcOff()),
                    MemorySegment.ofArray(windows.offsets()).asSlice(4L * rowFrom * kh), kh, windows.run(), m,
                    b.kPadded(), MemorySegment.ofArray(work),
                    MemorySegment.ofArray(b.data()).asSlice(b.panelOffset(panelFrom)), panelTo - panelFrom, nvalid,
                    MemorySegment.ofArray(c).asSlice(4L * cOff), ldc, isa, sevenBits(b));
        } catch (Throwable t) {
            throw new IllegalStateException("native int8 windows kernel failed", t);
        }
    }

    /**
     * {@code tare_requantize_flat}: the same float operations in the same order in AVX2 (identical
     * bytes, tested against the Java default), 16 elements a step instead of C2's scalar-heavy loop.
     */
    @Override
    public void requantizeFlat(int[] raw, int[] corr, float[] mul, float[] add, int len, float inv, float lower,
            float upper, float zeroPoint, float[] work, byte[] c, int cOff) {
        if (len == 0) {
            return;
        }
        java.util.Objects.checkFromIndexSize(0, len, raw.length);
        java.util.Objects.checkFromIndexSize(0, len, corr.length);
        java.util.Objects.checkFromIndexSize(0, len, mul.length);
        java.util.Objects.checkFromIndexSize(0, len, add.length);
        java.util.Objects.checkFromIndexSize(cOff, len, c.length);
        try {
            REQUANTIZE_FLAT.invokeExact(MemorySegment.ofArray(raw), MemorySegment.ofArray(corr), MemorySegment.ofArray(mul),
                    MemorySegment.ofArray(add), len, inv, lower, upper, zeroPoint, MemorySegment.ofArray(c).asSlice(cOff));
        } catch (Throwable t) {
            throw new IllegalStateException("native requantize failed", t);
        }
    }

    /** {@code tare_add_quantized}: the reference's float operations in AVX2, 8 elements a step (identical bytes). */
    @Override
    public void addQuantized(byte[] a, int aOff, QuantParams pa, byte[] b, int bOff, QuantParams pb, boolean relu,
            QuantParams py, byte[] y, int yOff, int n) {
        if (n == 0) {
            return;
        }
        java.util.Objects.checkFromIndexSize(aOff, n, a.length);
        java.util.Objects.checkFromIndexSize(bOff, n, b.length);
        java.util.Objects.checkFromIndexSize(yOff, n, y.length);
        try {
            ADD_QUANTIZED.invokeExact(MemorySegment.ofArray(a).asSlice(aOff), signed(pa), pa.scale(0), pa.zeroPoint(0),
                    MemorySegment.ofArray(b).asSlice(bOff), signed(pb), pb.scale(0), pb.zeroPoint(0), relu ? 1 : 0,
                    py.scale(0), py.zeroPoint(0), py.dtype().qmin(), py.dtype().qmax(), n,
                    MemorySegment.ofArray(y).asSlice(yOff));
        } catch (Throwable t) {
            throw new IllegalStateException("native quantized add failed", t);
        }
    }

    /**
     * The C kernels' b7 flag: 1 when every packed byte lies in [-64, 63], which on AVX2 selects the
     * VPMADDUBSW kernel (exact only then); VNNI and AMX ignore it.
     */
    private static int sevenBits(PackedInt8Matrix b) {
        return b.fitsSevenBits() ? 1 : 0;
    }

    private static int signed(QuantParams p) {
        if (p.dtype() != DType.INT8 && p.dtype() != DType.UINT8) {
            throw new IllegalArgumentException("8-bit parameters needed, got " + p.dtype());
        }
        return p.dtype() == DType.INT8 ? 1 : 0;
    }

    /**
     * {@code tare_winograd_3x3}, on AVX2 only: where VNNI multiplies four bytes per lane, the direct
     * window kernels do more work per instruction than the transforms save.
     */
    @Override
    public boolean winograd3x3(byte[] img, int imgOff, int hp, int wp, int oh, int ow,
            io.tare.kernels.conv.WinogradWeights w, int[] out, int outOff) {
        if (isa != ISA_AVX2) {
            return false;
        }
        if (oh < 1 || ow < 1 || oh + 2 > hp || ow + 2 > wp) {
            throw new IllegalArgumentException("output " + oh + "x" + ow + " does not fit a 3x3 window over " + hp
                    + "x" + wp);
        }
        java.util.Objects.checkFromIndexSize(imgOff, hp * wp * w.channels(), img.length);
        java.util.Objects.checkFromIndexSize(outOff, oh * ow * w.n(), out.length);
        try {
            WINOGRAD_3X3.invokeExact(MemorySegment.ofArray(img).asSlice(imgOff), hp, wp, w.channels(), oh, ow,
                    MemorySegment.ofArray(w.data()), w.panels(), w.n(), MemorySegment.ofArray(out).asSlice(4L * outOff));
        } catch (Throwable t) {
            throw new IllegalStateException("native Winograd kernel failed", t);
        }
        return true;
    }

    /**
     * The C side trusts the offsets: {@code count} of them from {@code offOff}, each starting a run of
     * {@code run} bytes inside {@code src} past {@code srcOff}, checked here through their minimum and
     * maximum (one pass that vectorizes) so that a bad offset stays a Java exception.
     */
    private static void checkWindows(byte[] src, int srcOff, int[] offsets, int offOff, int count, int run) {
        java.util.Objects.checkFromIndexSize(offOff, count, offsets.length);
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = offOff; i < offOff + count; i++) {
            min = Math.min(min, offsets[i]);
            max = Math.max(max, offsets[i]);
        }
        if (min < 0 || srcOff < 0) {
            throw new IndexOutOfBoundsException("window offset " + min + " at " + srcOff);
        }
        java.util.Objects.checkFromIndexSize((long) srcOff + max, run, src.length);
    }

    /** The library, bound once per JVM; {@code failure} says why not. */
    private record Loaded(MethodHandle int8, MethodHandle int8Fused, MethodHandle quantize, MethodHandle quantizeRows, MethodHandle w8a32, MethodHandle gather, MethodHandle int8Windows,
            MethodHandle requantizeFlat, MethodHandle addQuantized, MethodHandle winograd3x3, int isa,
            String failure) {
        static Loaded attempt() {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(NativeLibrary.locate(), Arena.global());
                Linker linker = Linker.nativeLinker();
                MethodHandle isaHandle = linker.downcallHandle(lib.findOrThrow("tare_isa"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT));
                int detected = (int) isaHandle.invokeExact();
                if (detected == 0) {
                    return failed("CPU lacks AVX2+FMA");
                }
                int isa = detected;
                String forced = System.getProperty(ISA_PROPERTY);
                if (forced != null && !forced.isBlank()) {
                    int want = java.util.Arrays.asList(ISA_NAMES).indexOf(forced.trim().toLowerCase(Locale.ROOT));
                    if (want < 1 || want > detected) {
                        return failed("-D" + ISA_PROPERTY + "=" + forced + " not available; CPU supports up to "
                                + ISA_NAMES[detected]);
                    }
                    isa = want;
                }
                ValueLayout.OfInt i = ValueLayout.JAVA_INT;
                MethodHandle int8 = linker.downcallHandle(lib.findOrThrow("tare_int8"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, i, i, i, ValueLayout.ADDRESS, i, i,
                                ValueLayout.ADDRESS, i, i, i),
                        Linker.Option.critical(true));
                java.lang.foreign.AddressLayout p = ValueLayout.ADDRESS;
                MethodHandle int8Fused = linker.downcallHandle(lib.findOrThrow("tare_int8_fused"),
                        FunctionDescriptor.ofVoid(p, i, i, i, i, p, i, i, p, p, p, p, p, p, p, p, i, i, i),
                        Linker.Option.critical(true));
                MethodHandle quantize = linker.downcallHandle(lib.findOrThrow("tare_quantize"),
                        FunctionDescriptor.ofVoid(p, i, ValueLayout.JAVA_FLOAT, i, i, i, p), Linker.Option.critical(true));
                MethodHandle quantizeRows = linker.downcallHandle(lib.findOrThrow("tare_quantize_rows"),
                        FunctionDescriptor.ofVoid(p, i, i, i, p, p, p, i, p), Linker.Option.critical(true));
                MethodHandle w8a32 = linker.downcallHandle(lib.findOrThrow("tare_w8a32"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, i, i, i, i, ValueLayout.ADDRESS, i, i,
                                ValueLayout.ADDRESS, i),
                        Linker.Option.critical(true));
                MethodHandle gather = linker.downcallHandle(lib.findOrThrow("tare_gather_rows"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, i, i, i,
                                ValueLayout.ADDRESS, i),
                        Linker.Option.critical(true));
                MethodHandle int8Windows = linker.downcallHandle(lib.findOrThrow("tare_int8_windows"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, i, i, i, i,
                                ValueLayout.ADDRESS, ValueLayout.ADDRESS, i, i, ValueLayout.ADDRESS, i, i, i),
                        Linker.Option.critical(true));
                ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
                MethodHandle requantizeFlat = linker.downcallHandle(lib.findOrThrow("tare_requantize_flat"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                                ValueLayout.ADDRESS, i, f, f, f, f, ValueLayout.ADDRESS),
                        Linker.Option.critical(true));
                MethodHandle addQuantized = linker.downcallHandle(lib.findOrThrow("tare_add_quantized"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, i, f, i, ValueLayout.ADDRESS, i, f, i, i, f, i, i,
                                i, i, ValueLayout.ADDRESS),
                        Linker.Option.critical(true));
                MethodHandle winograd3x3 = linker.downcallHandle(lib.findOrThrow("tare_winograd_3x3"),
                        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, i, i, i, i, i, ValueLayout.ADDRESS, i, i,
                                ValueLayout.ADDRESS),
                        Linker.Option.critical(true));
                return new Loaded(int8, int8Fused, quantize, quantizeRows, w8a32, gather, int8Windows, requantizeFlat, addQuantized, winograd3x3, isa,
                        null);
            } catch (Throwable t) {
                return failed(t.getMessage() != null ? t.getMessage() : t.toString());
            }
        }

        static Loaded failed(String why) {
            return new Loaded(null, null, null, null, null, null, null, null, null, null, 0, why);
        }
    }
}
