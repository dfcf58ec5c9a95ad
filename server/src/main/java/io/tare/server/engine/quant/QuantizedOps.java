package io.tare.server.engine.quant;

import io.tare.server.engine.ops.OperatorRegistry;

/** Registers the quantized operator families. */
public final class QuantizedOps {
    private QuantizedOps() {
    }

    public static void register(OperatorRegistry r) {
        QuantizeLinearOps.register(r);
        IntegerMatMulOps.register(r);
        IntegerConvOps.register(r);
        Int8LinearOps.register(r);
        TapPoint.register(r);
    }
}
