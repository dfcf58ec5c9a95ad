package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.OperatorRegistry;

/**
 * {@code tare:TapPoint}: passes its input through unchanged and shows it to the quantization tap.
 * It marks a value that the graph computes in float but that a later INT8 form of the model will
 * quantize, so that calibration gathers its statistics before that form exists: the addends and
 * sums of residual joins in a float model served while it is calibrated (see
 * {@code io.tare.server.quantize.QdqPromotion}). Only inserted into the build that runs sampled
 * batches, where the copy is part of the sampling cost.
 */
public final class TapPoint {
    public static final String OP = "TapPoint";

    private TapPoint() {
    }

    public static void register(OperatorRegistry r) {
        r.register(Int8LinearOps.DOMAIN, OP, 1, s -> {
            String name = s.node().input(0);
            return ctx -> pass(ctx, name);
        });
    }

    private static void pass(OpContext ctx, String name) {
        Tensor x = ctx.input(0);
        Tensor y = ctx.output(0, x.type(), x.shape());
        System.arraycopy(x.data(), 0, y.data(), 0, x.size());
        if (ctx.tap().enabled() && x.type() == DataType.FLOAT) {
            ctx.tap().observe(name, x.floats(), x.size());
        }
    }
}
