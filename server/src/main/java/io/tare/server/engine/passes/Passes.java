package io.tare.server.engine.passes;

import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ops.OperatorRegistry;
import java.util.ArrayList;
import java.util.List;

/** The load-time pass pipeline, in the order the passes depend on each other. */
public final class Passes {
    private Passes() {
    }

    public static List<GraphPass> forOptions(EngineOptions options, OperatorRegistry registry) {
        List<GraphPass> passes = new ArrayList<>();
        boolean untapped = options.tap() == io.tare.server.engine.quant.QuantizationTap.NONE;
        // folding always runs: Constant nodes must become constants for weight packing to see them
        passes.add(new ConstantFolding(registry));
        // always: it also rejects shapes that cannot fit; what it turns into constants folds next
        passes.add(new StaticShapeFolding());
        passes.add(new ConstantFolding(registry));
        if (options.optimize()) {
            passes.add(new NoOpElimination());
            // same bits as the nodes they replace, so in every mode; before the INT8 lowering, while
            // shape inference still sees every value (softmax's axis by number, MatMul operand ranks)
            KnownShapes shapes = new KnownShapes(); // inferred by the first, before any fused node exists
            passes.add(new TransposeMatMulFusion(shapes));
            passes.add(new LayerNormFusion());
            passes.add(new SoftmaxFusion(shapes));
            passes.add(new AttentionFusion()); // joins the steps the two passes above made
            // before any quantization: folding needs the float weights
            passes.add(new BatchNormFolding());
            if (untapped) { // it removes a quantization point a tap would watch
                passes.add(new QuantizedReluHoisting());
            }
            passes.add(new QdqLowering());
        }
        if (options.mode() != io.tare.server.engine.ExecutionMode.FP32) {
            passes.add(new WeightQuantization(options.perRowActivations(), options.weightBits()));
        }
        if (options.optimize()) {
            // after lowering, so that the INT8 layers take their biases, activations and requantization too
            passes.add(new BiasFusion());
            passes.add(new GeluFusion());
            passes.add(new ActivationFusion());
            if (untapped) {
                passes.add(new RequantizeFusion());
                passes.add(new QuantizedAddFusion());
                // after requantize fusion: only 8-bit convolution outputs go channels-last
                passes.add(new ChannelsLastActivations());
            }
            passes.add(new DeadNodeElimination());
            if (untapped) { // last: node order and the set of INT8 layers are final from here
                passes.add(new SharedActivationRows());
            }
        }
        return passes;
    }
}
