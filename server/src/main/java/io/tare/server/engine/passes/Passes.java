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
        // folding always runs: Constant nodes must become constants for weight packing to see them
        passes.add(new ConstantFolding(registry));
        if (options.optimize()) {
            passes.add(new NoOpElimination());
            passes.add(new QdqLowering());
        }
        if (options.mode() != io.tare.server.engine.ExecutionMode.FP32) {
            passes.add(new WeightQuantization(options.perRowActivations()));
        }
        if (options.optimize()) {
            passes.add(new DeadNodeElimination());
        }
        return passes;
    }
}
