package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import io.tare.server.engine.graph.Attributes;
import java.util.Arrays;

/**
 * The sliding-window arithmetic shared by Conv, ConvTranspose-free convolutions and pooling: kernel
 * size, strides, dilations, explicit or automatic padding (NOTSET, VALID, SAME_UPPER, SAME_LOWER)
 * and pooling's ceil mode, resolved against an input's spatial sizes. Immutable per node; {@link
 * #resolve} returns the per-input layout.
 */
public final class SpatialGeometry {
    private final String autoPad;
    private final long[] kernel;
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final boolean ceilMode;

    /** Reads the window attributes; {@code kernel} may be null when it comes from the weight shape. */
    public SpatialGeometry(Attributes a, long[] kernel) {
        this.autoPad = a.getString("auto_pad", "NOTSET");
        this.kernel = a.getInts("kernel_shape", kernel);
        this.strides = a.getInts("strides", null);
        this.dilations = a.getInts("dilations", null);
        this.pads = a.getInts("pads", null);
        this.ceilMode = a.getInt("ceil_mode", 0) != 0;
    }

    /** One input's resolved window layout; arrays are indexed by spatial axis. */
    public record Layout(int[] in, int[] out, int[] kernel, int[] stride, int[] dilation, int[] padBegin,
            int[] padEnd) {
        public int spatialSize() {
            int s = 1;
            for (int d : out) {
                s *= d;
            }
            return s;
        }
    }

    /** Resolves against the input's spatial sizes (the shape without N and C). */
    /** Every stride and dilation 1 (or absent). */
    public boolean isUnitStrideUndilated() {
        for (long[] values : new long[][] {strides, dilations}) {
            for (int i = 0; values != null && i < values.length; i++) {
                if (values[i] != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    public Layout resolve(int[] in, int[] kernelFromWeights) {
        int r = in.length;
        int[] k = new int[r];
        int[] s = new int[r];
        int[] d = new int[r];
        int[] pb = new int[r];
        int[] pe = new int[r];
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            k[i] = kernel != null ? (int) kernel[i] : kernelFromWeights[i];
            s[i] = strides == null ? 1 : (int) strides[i];
            d[i] = dilations == null ? 1 : (int) dilations[i];
            int dk = (k[i] - 1) * d[i] + 1;
            switch (autoPad) {
                case "NOTSET" -> {
                    pb[i] = pads == null ? 0 : (int) pads[i];
                    pe[i] = pads == null ? 0 : (int) pads[i + r];
                    int span = in[i] + pb[i] + pe[i] - dk;
                    out[i] = (ceilMode ? Math.ceilDiv(span, s[i]) : Math.floorDiv(span, s[i])) + 1;
                    // a window that would start inside the end padding is dropped (ceil mode)
                    if (ceilMode && (out[i] - 1) * s[i] >= in[i] + pb[i]) {
                        out[i]--;
                    }
                }
                case "VALID" -> out[i] = Math.floorDiv(in[i] - dk, s[i]) + 1;
                case "SAME_UPPER", "SAME_LOWER" -> {
                    out[i] = Math.ceilDiv(in[i], s[i]);
                    int total = Math.max(0, (out[i] - 1) * s[i] + dk - in[i]);
                    int small = total / 2;
                    pb[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    pe[i] = total - pb[i];
                }
                default -> throw new EngineException("auto_pad '" + autoPad + "' is not an ONNX value");
            }
            if (out[i] <= 0) {
                throw new EngineException("window " + Arrays.toString(k) + " does not fit input "
                        + Arrays.toString(in));
            }
        }
        return new Layout(in.clone(), out, k, s, d, pb, pe);
    }
}
