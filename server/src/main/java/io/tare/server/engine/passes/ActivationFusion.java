package io.tare.server.engine.passes;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;

/**
 * Fuses an element-wise activation into the Conv, Gemm or MatMul (float or the engine's INT8
 * layers) that feeds it: Relu, LeakyRelu, Clip with constant bounds, Sigmoid, Tanh and exact Gelu.
 * The layer applies it while its output block is in cache (ReLU and GELU inside the GEMM
 * epilogue), the activation node disappears, and its buffer with it. Applies only when the
 * activation is the layer's one reader and the layer's output is not a graph output; a layer that
 * already carries an activation is left alone.
 */
public final class ActivationFusion implements GraphPass {
    private static final Set<String> LAYERS = Set.of("Conv", "Gemm", "MatMul");

    @Override
    public String name() {
        return "activation-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        List<Node> nodes = graph.nodes();
        for (ListIterator<Node> it = nodes.listIterator(); it.hasNext(); ) {
            Node act = it.next();
            FusedActivation fused = activationOf(graph, act);
            if (fused == null) {
                continue;
            }
            Node layer = producers.get(act.input(0));
            if (layer == null || !isLayer(layer) || layer.attributes().has(FusedActivation.ATTR_KIND)
                    || graph.isGraphOutput(layer.output(0)) || layer.outputs().size() != 1
                    || consumers.getOrDefault(layer.output(0), List.of()).size() != 1) {
                continue;
            }
            Node merged = new Node(layer.name(), layer.opType(), layer.domain(), layer.inputs(), act.outputs(),
                    fused.recordOn(layer.attributes()));
            nodes.set(nodes.indexOf(layer), merged);
            it.remove();
            producers = graph.producers();
            consumers = graph.consumers();
            changed = true;
        }
        return changed;
    }

    private static boolean isLayer(Node n) {
        if (n.domain().isEmpty()) {
            return LAYERS.contains(n.opType());
        }
        return n.domain().equals(Int8LinearOps.DOMAIN) && !n.hasInput(Int8LinearOps.OUTPUT_SCALE_INPUT);
    }

    /** The activation {@code n} computes, or null when it is not a fusable activation. */
    private static FusedActivation activationOf(Graph graph, Node n) {
        if (!n.domain().isEmpty() || n.outputs().size() != 1) {
            return null;
        }
        return switch (n.opType()) {
            case "Relu" -> new FusedActivation(FusedActivation.Kind.RELU, 0, 0);
            case "LeakyRelu" -> new FusedActivation(FusedActivation.Kind.LEAKY_RELU,
                    n.attributes().getFloat("alpha", 0.01f), 0);
            case "Sigmoid" -> new FusedActivation(FusedActivation.Kind.SIGMOID, 0, 0);
            case "Tanh" -> new FusedActivation(FusedActivation.Kind.TANH, 0, 0);
            case "Gelu" -> n.attributes().getString("approximate", "none").equals("none")
                    ? new FusedActivation(FusedActivation.Kind.GELU, 0, 0) : null;
            case "Clip" -> clip(graph, n);
            default -> null;
        };
    }

    private static FusedActivation clip(Graph graph, Node n) {
        float lo = -Float.MAX_VALUE;
        float hi = Float.MAX_VALUE;
        if (n.attributes().has("min") || n.attributes().has("max")) { // opset < 11
            lo = n.attributes().getFloat("min", lo);
            hi = n.attributes().getFloat("max", hi);
        }
        for (int i = 1; i <= 2; i++) {
            if (!n.hasInput(i)) {
                continue;
            }
            Tensor bound = graph.initializers().get(n.input(i));
            if (bound == null || bound.size() != 1 || bound.type() != io.tare.server.engine.DataType.FLOAT) {
                return null;
            }
            if (i == 1) {
                lo = bound.floats()[0];
            } else {
                hi = bound.floats()[0];
            }
        }
        return new FusedActivation(FusedActivation.Kind.CLIP, lo, hi);
    }
}
