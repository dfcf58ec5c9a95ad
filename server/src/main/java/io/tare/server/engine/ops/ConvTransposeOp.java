package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * FP32 ConvTranspose over 1-D, 2-D and 3-D inputs (NC + spatial), with groups, strides,
 * dilations, explicit pads, output_padding, output_shape and auto_pad, as ONNX defines it: every
 * input value scatters {@code x * w[c, m, k...]} into output position {@code i * stride - pad +
 * k * dilation}. Accumulation is in float, input-major. Written for correctness of the whole
 * attribute space (decoder and upsampling layers); it does not use the GEMM kernels.
 */
final class ConvTransposeOp implements Operator {
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final long[] outputPadding;
    private final long[] outputShape;
    private final String autoPad;
    private final int group;

    private ConvTransposeOp(NodeSetup s) {
        this.strides = s.attrs().getInts("strides", null);
        this.dilations = s.attrs().getInts("dilations", null);
        this.pads = s.attrs().getInts("pads", null);
        this.outputPadding = s.attrs().getInts("output_padding", null);
        this.outputShape = s.attrs().getInts("output_shape", null);
        this.autoPad = s.attrs().getString("auto_pad", "NOTSET");
        this.group = (int) s.attrs().getInt("group", 1);
        if (!Arrays.asList("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER").contains(autoPad)) {
            throw s.unsupported("auto_pad '" + autoPad + "'");
        }
    }

    static void register(OperatorRegistry r) {
        r.register("ConvTranspose", 1, ConvTransposeOp::new);
    }

    /** Per spatial axis: output size and the padding at the start. */
    private record Geometry(int[] out, int[] padBegin, int[] stride, int[] dilation) { }

    private Geometry resolve(int[] in, int[] kernel) {
        int r = in.length;
        int[] out = new int[r];
        int[] begin = new int[r];
        int[] stride = new int[r];
        int[] dilation = new int[r];
        for (int i = 0; i < r; i++) {
            stride[i] = strides == null ? 1 : (int) strides[i];
            dilation[i] = dilations == null ? 1 : (int) dilations[i];
            int outPad = outputPadding == null ? 0 : (int) outputPadding[i];
            int span = (kernel[i] - 1) * dilation[i] + 1;
            int full = stride[i] * (in[i] - 1) + outPad + span;
            if (outputShape != null || autoPad.startsWith("SAME")) {
                // output_shape may list spatial sizes only, or N and C too
                int target = outputShape != null ? (int) outputShape[outputShape.length - r + i] : in[i] * stride[i];
                int total = full - target; // negative when output_shape asks for more: floor division then
                boolean upper = autoPad.equals("SAME_UPPER");
                begin[i] = upper ? Math.floorDiv(total, 2) : total - Math.floorDiv(total, 2);
                out[i] = target;
            } else if (autoPad.equals("VALID")) {
                out[i] = full;
            } else {
                begin[i] = pads == null ? 0 : (int) pads[i];
                int end = pads == null ? 0 : (int) pads[i + r];
                out[i] = full - begin[i] - end;
            }
            if (out[i] <= 0) {
                throw new EngineException("ConvTranspose output size " + out[i] + " on axis " + i);
            }
        }
        return new Geometry(out, begin, stride, dilation);
    }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        Tensor w = ctx.input(1);
        Tensor b = ctx.input(2);
        if (x.type() != DataType.FLOAT || w.type() != DataType.FLOAT) {
            throw new EngineException("ConvTranspose supports FLOAT only, got " + x.type());
        }
        int r = x.rank() - 2;
        if (r < 1 || r > 3 || w.rank() != x.rank()) {
            throw new EngineException("ConvTranspose input " + Arrays.toString(x.shape()) + " and weight "
                    + Arrays.toString(w.shape()) + " are not 1-D to 3-D");
        }
        int batch = x.dim(0);
        int cin = x.dim(1);
        int cinG = cin / group;
        int coutG = w.dim(1);
        int cout = coutG * group;
        if (cin % group != 0 || w.dim(0) != cin) {
            throw new EngineException("ConvTranspose input channels " + cin + ", weight " + Arrays.toString(w.shape())
                    + " and group " + group + " do not match");
        }
        int[] in = Arrays.copyOfRange(x.shape(), 2, x.rank());
        int[] kernel = Arrays.copyOfRange(w.shape(), 2, w.rank());
        Geometry g = resolve(in, kernel);
        int[] outShape = new int[x.rank()];
        outShape[0] = batch;
        outShape[1] = cout;
        System.arraycopy(g.out(), 0, outShape, 2, r);
        float[] y = ctx.output(0, DataType.FLOAT, outShape).floats();
        int outPlane = Tensor.sizeOf(g.out());
        int inPlane = Tensor.sizeOf(in);
        int kPlane = Tensor.sizeOf(kernel);
        float[] xs = x.floats();
        float[] ws = w.floats();
        for (int n = 0; n < batch; n++) {
            for (int co = 0; co < cout; co++) {
                float bias = b == null ? 0f : b.floats()[co];
                Arrays.fill(y, (n * cout + co) * outPlane, (n * cout + co + 1) * outPlane, bias);
            }
        }
        // target offset of (input position, kernel position) per axis, -1 where it falls outside
        int[][] target = new int[r][];
        int[] outStride = new int[r];
        int stride = 1;
        for (int i = r - 1; i >= 0; i--) {
            outStride[i] = stride;
            stride *= g.out()[i];
        }
        for (int i = 0; i < r; i++) {
            target[i] = new int[in[i] * kernel[i]];
            for (int p = 0; p < in[i]; p++) {
                for (int k = 0; k < kernel[i]; k++) {
                    int o = p * g.stride()[i] - g.padBegin()[i] + k * g.dilation()[i];
                    target[i][p * kernel[i] + k] = o >= 0 && o < g.out()[i] ? o * outStride[i] : -1;
                }
            }
        }
        int[] pin = new int[r];
        int[] pk = new int[r];
        for (int n = 0; n < batch; n++) {
            for (int grp = 0; grp < group; grp++) {
                for (int c = 0; c < cinG; c++) {
                    int ci = grp * cinG + c;
                    int xPlane = (n * cin + ci) * inPlane;
                    for (int m = 0; m < coutG; m++) {
                        int wBase = (ci * coutG + m) * kPlane;
                        int yBase = (n * cout + grp * coutG + m) * outPlane;
                        scatter(xs, xPlane, inPlane, ws, wBase, kPlane, y, yBase, in, kernel, target, pin, pk);
                    }
                }
            }
        }
    }

    /** Adds one input plane times one kernel into one output plane. */
    private static void scatter(float[] x, int xPlane, int inPlane, float[] w, int wBase, int kPlane, float[] y,
            int yBase, int[] in, int[] kernel, int[][] target, int[] pin, int[] pk) {
        int r = in.length;
        Arrays.fill(pin, 0);
        for (int i = 0; i < inPlane; i++) {
            float v = x[xPlane + i];
            Arrays.fill(pk, 0);
            for (int k = 0; k < kPlane; k++) {
                int offset = 0;
                boolean inside = true;
                for (int a = 0; a < r && inside; a++) {
                    int t = target[a][pin[a] * kernel[a] + pk[a]];
                    inside = t >= 0;
                    offset += t;
                }
                if (inside) {
                    y[yBase + offset] += v * w[wBase + k];
                }
                step(pk, kernel);
            }
            step(pin, in);
        }
    }

    /** Advances a C-order multi-index. */
    private static void step(int[] index, int[] dims) {
        for (int a = dims.length - 1; a >= 0; a--) {
            if (++index[a] < dims[a]) {
                return;
            }
            index[a] = 0;
        }
    }
}
