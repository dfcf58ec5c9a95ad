package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Moves a bias {@code Add(MatMul(x, W), b)} (b a constant of N values, W constant [K, N]) into the
 * layer, where the GEMM epilogue adds it: into input 6 of an engine INT8 layer without a bias, or
 * as a third input of a float MatMul with a constant FLOAT weight (which the engine's packed float
 * layer reads as a per-column bias; ONNX's MatMul has no third input, so this form exists only
 * inside the engine). The layer output must have the Add as its one reader.
 */
public final class BiasFusion implements GraphPass {
    @Override
    public String name() {
        return "bias-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node add = nodes.get(i);
            if (!add.domain().isEmpty() || !add.opType().equals("Add") || add.inputs().size() != 2) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                Node layer = producers.get(add.input(side));
                String biasName = add.input(1 - side);
                if (layer == null || graph.isGraphOutput(layer.output(0)) || layer.outputs().size() != 1
                        || consumers.getOrDefault(layer.output(0), List.of()).size() != 1) {
                    continue;
                }
                Node merged = withBias(graph, layer, biasName, add);
                if (merged != null) {
                    nodes.set(nodes.indexOf(layer), merged);
                    nodes.remove(add);
                    producers = graph.producers();
                    consumers = graph.consumers();
                    i = -1;
                    changed = true;
                    break;
                }
            }
        }
        return changed;
    }

    private static Node withBias(Graph graph, Node layer, String biasName, Node add) {
        Tensor bias = graph.initializers().get(biasName);
        if (bias == null || bias.type() != DataType.FLOAT || bias.rank() != 1) {
            return null;
        }
        List<String> inputs = new ArrayList<>(layer.inputs());
        if (layer.domain().equals(Int8LinearOps.DOMAIN) && layer.opType().equals(Int8LinearOps.GEMM)) {
            Tensor w = graph.initializers().get(layer.input(3));
            boolean transB = layer.attributes().getInt("transB", 0) != 0;
            if (w == null || layer.hasInput(6) || layer.hasInput(Int8LinearOps.OUTPUT_SCALE_INPUT)
                    || layer.attributes().has(io.tare.server.engine.ops.FusedActivation.ATTR_KIND)
                    || bias.size() != (transB ? w.dim(0) : w.dim(1))) {
                return null;
            }
            while (inputs.size() < 7) {
                inputs.add("");
            }
            inputs.set(6, biasName);
        } else if (layer.domain().isEmpty() && layer.opType().equals("MatMul") && inputs.size() == 2) {
            Tensor w = graph.initializers().get(layer.input(1));
            if (w == null || w.type() != DataType.FLOAT || w.rank() != 2 || bias.size() != w.dim(1)
                    || layer.attributes().has(io.tare.server.engine.ops.FusedActivation.ATTR_KIND)) {
                return null;
            }
            inputs.add(biasName);
        } else {
            return null;
        }
        return new Node(layer.name(), layer.opType(), layer.domain(), inputs, add.outputs(), layer.attributes());
    }
}
