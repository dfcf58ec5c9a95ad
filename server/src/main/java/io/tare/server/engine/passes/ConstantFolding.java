package io.tare.server.engine.passes;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.ConstantOps;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OperatorRegistry;
import java.util.Iterator;
import java.util.Set;

/**
 * Evaluates at load every node whose inputs are all constant, replacing it by its outputs as
 * constants: Constant nodes, ConstantOfShape+Cast chains, shape arithmetic on fixed weights.
 *
 * <p>DequantizeLinear is never folded: a DequantizeLinear of an INT8 weight is exactly what the
 * quantization pass looks for to run the consumer in INT8, and folding it would leave only float
 * weights behind. Nodes in other domains are left alone too, since their semantics are not ours.
 */
public final class ConstantFolding implements GraphPass {
    private static final Set<String> NEVER_FOLDED = Set.of("DequantizeLinear", "DynamicQuantizeLinear");

    private final OperatorRegistry registry;

    public ConstantFolding(OperatorRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "constant-folding";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        for (Iterator<Node> it = graph.nodes().iterator(); it.hasNext(); ) {
            Node node = it.next();
            if (!foldable(graph, node)) {
                continue;
            }
            Tensor[] outputs;
            if (node.opType().equals("Constant")) {
                outputs = new Tensor[] {ConstantOps.constantValue(node.attributes())};
            } else {
                outputs = evaluate(graph, node);
            }
            for (int i = 0; i < node.outputs().size(); i++) {
                if (!node.output(i).isEmpty() && outputs[i] != null) {
                    graph.initializers().put(node.output(i), outputs[i]);
                }
            }
            it.remove();
            changed = true;
        }
        return changed;
    }

    private boolean foldable(Graph graph, Node node) {
        if (!node.domain().isEmpty() || NEVER_FOLDED.contains(node.opType())) {
            return false;
        }
        if (registry.find(node.domain(), node.opType()) == null) {
            return false;
        }
        for (String in : node.inputs()) {
            if (!in.isEmpty() && !graph.isConstant(in)) {
                return false;
            }
        }
        return true;
    }

    private Tensor[] evaluate(Graph graph, Node node) {
        Tensor[] inputs = new Tensor[node.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = node.hasInput(i) ? graph.initializers().get(node.input(i)) : null;
        }
        boolean[] wanted = new boolean[node.outputs().size()];
        for (int i = 0; i < wanted.length; i++) {
            wanted[i] = !node.output(i).isEmpty();
        }
        FoldingContext ctx = new FoldingContext(inputs, wanted);
        registry.find(node.domain(), node.opType()).factory()
                .create(new NodeSetup(node, graph.opsetOf(node), graph.initializers())).run(ctx);
        return ctx.outputs();
    }
}
