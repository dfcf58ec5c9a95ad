package io.tare.server.engine.ops;

import io.tare.server.engine.quant.QuantizedOps;

/** Registers every operator family of the engine; the one list to extend when adding a family. */
final class StandardOperators {
    private StandardOperators() {
    }

    static void registerAll(OperatorRegistry r) {
        BinaryOps.register(r);
        ComparisonOps.register(r);
        UnaryOps.register(r);
        ReshapeOps.register(r);
        LayoutOps.register(r);
        GatherOps.register(r);
        CastOps.register(r);
        ConstantOps.register(r);
        MatMulOps.register(r);
        ConvOp.register(r);
        ConvTransposeOp.register(r);
        ResizeOp.register(r);
        PoolOps.register(r);
        NormalizationOps.register(r);
        ReduceOps.register(r);
        PadOp.register(r);
        QuantizedOps.register(r);
    }
}
