package io.tare.server.engine;

import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.passes.GraphPass;
import io.tare.server.engine.passes.Passes;
import io.tare.server.onnx.OnnxModelReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Tare graph engine's entry point: ONNX file in, runnable {@link LoadedModel} out.
 *
 * <p>Loading reads the file, validates that every node is supported (failing with the first
 * unsupported operator, its opset and node name), rewrites the graph (constant folding,
 * BatchNormalization folding, fusion, INT8 lowering, dead-node removal) and compiles an execution
 * plan with its memory plan. All of this happens once; requests only run the plan.
 */
public final class Engine {
    private Engine() {
    }

    /**
     * Loads an ONNX model.
     *
     * @throws InvalidModelException when the file is not a well-formed ONNX model
     * @throws UnsupportedModelException when the engine cannot run it; the message names why
     */
    public static LoadedModel load(Path onnxFile, EngineOptions options) {
        Graph graph = new OnnxModelReader().read(onnxFile);
        return load(graph, options);
    }

    /** Loads an already decoded graph (taken over: the passes rewrite it). */
    public static LoadedModel load(Graph graph, EngineOptions options) {
        OperatorRegistry registry = OperatorRegistry.standard();
        new GraphValidator(registry).validate(graph);
        List<String> applied = new ArrayList<>();
        for (GraphPass pass : Passes.forOptions(options, registry)) {
            if (pass.apply(graph)) {
                applied.add(pass.name());
            }
        }
        ExecutionPlan plan = ExecutionPlan.compile(graph, registry, options.tap(),
                io.tare.server.engine.compute.Compute.forThreads(options.intraOpThreads()));
        return new LoadedModel(plan, options, applied);
    }
}
