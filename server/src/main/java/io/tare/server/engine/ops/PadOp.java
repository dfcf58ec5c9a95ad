package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * Pad in constant, reflect, edge and wrap modes. Pads come from the second input since opset 11
 * (with optional constant value and, since 18, axes), from the {@code pads} attribute before.
 */
public final class PadOp {
    private PadOp() {
    }

    public static void register(OperatorRegistry r) {
        r.register("Pad", 2, s -> {
            String mode = s.attrs().getString("mode", "constant");
            if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("edge") && !mode.equals("wrap")) {
                throw s.unsupported("mode '" + mode + "'");
            }
            boolean fromInput = s.opset() >= 11;
            long[] attrPads = s.attrs().getInts("pads", null);
            float attrValue = s.attrs().getFloat("value", 0f);
            return ctx -> {
                Tensor x = ctx.input(0);
                long[] pads;
                double value;
                if (fromInput) {
                    long[] given = ctx.input(1).toLongArray();
                    value = ctx.input(2) == null ? 0 : ctx.input(2).getDouble(0);
                    pads = expand(given, ctx.input(3) == null ? null : ctx.input(3).toLongArray(), x.rank());
                } else {
                    pads = attrPads;
                    value = attrValue;
                }
                pad(x, pads, mode, value, ctx);
            };
        });
    }

    private static long[] expand(long[] given, long[] axes, int rank) {
        if (axes == null) {
            return given;
        }
        long[] pads = new long[2 * rank];
        for (int i = 0; i < axes.length; i++) {
            int a = Axes.normalize(axes[i], rank);
            pads[a] = given[i];
            pads[a + rank] = given[i + axes.length];
        }
        return pads;
    }

    private static void pad(Tensor x, long[] pads, String mode, double value, OpContext ctx) {
        int rank = x.rank();
        if (pads.length != 2 * rank) {
            throw new EngineException("Pad expects " + 2 * rank + " pads, got " + pads.length);
        }
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = (int) (x.dim(d) + pads[d] + pads[d + rank]);
        }
        Tensor y = ctx.output(0, x.type(), shape);
        int[] inStrides = Axes.strides(x.shape());
        for (int o = 0; o < y.size(); o++) {
            int rem = o;
            int src = 0;
            boolean outside = false;
            for (int d = rank - 1; d >= 0; d--) {
                int c = (int) (rem % shape[d] - pads[d]);
                rem /= shape[d];
                int n = x.dim(d);
                if (c < 0 || c >= n) {
                    switch (mode) {
                        case "constant" -> outside = true;
                        case "edge" -> c = Math.clamp(c, 0, n - 1);
                        case "wrap" -> c = Math.floorMod(c, n);
                        default -> { // reflect, without repeating the edge
                            int period = 2 * (n - 1);
                            c = period == 0 ? 0 : Math.floorMod(c, period);
                            if (c >= n) {
                                c = period - c;
                            }
                        }
                    }
                }
                src += c * inStrides[d];
            }
            if (outside) {
                y.setDouble(o, value);
            } else {
                y.copyElement(x, src, o);
            }
        }
    }
}
