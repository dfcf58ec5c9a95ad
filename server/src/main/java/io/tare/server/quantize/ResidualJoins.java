package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The residual joins of a convolutional network: an {@code Add} of two activations that each come
 * from a quantized layer, directly or through a Relu, or are themselves a quantized layer's input.
 * PyTorch's INT8 exports keep such a join 8-bit: both addends and the (Relu'd) sum are quantized,
 * so the engine adds the 8-bit tensors and the stream stays 8-bit from one block to the next.
 *
 * <p>Adds with a constant input (biases) and adds of anything else (a transformer's residual
 * stream after LayerNormalization, a bias-added MatMul output) are not joins: quantizing them would
 * cost accuracy where float adds are cheap.
 */
final class ResidualJoins {

    /**
     * One join.
     *
     * @param addends the Add's two inputs
     * @param sum     the join's result: the Relu that alone reads the Add's output, else the Add's output
     * @param sources the layers whose outputs the addends are (directly or through a Relu); an addend
     *                that is a layer's input instead adds none
     */
    record Join(List<String> addends, String sum, Set<String> sources) {

        /** The addends and the sum. */
        List<String> values() {
            return List.of(addends.get(0), addends.get(1), sum);
        }
    }

    private ResidualJoins() {
    }

    /** The addends and sums of every join, in graph order, minus the layers' own inputs. */
    static Set<String> values(ModelProto model, List<QuantizableLayer> layers) {
        Set<String> values = new LinkedHashSet<>();
        find(model, layers).forEach(j -> values.addAll(j.values()));
        layers.forEach(l -> values.remove(l.activation()));
        return values;
    }

    /** Every join, in graph order. */
    static List<Join> find(ModelProto model, List<QuantizableLayer> layers) {
        GraphIndex g = new GraphIndex(model);
        Set<String> layerInputs = new LinkedHashSet<>();
        Map<String, String> layerByOutput = new LinkedHashMap<>();
        for (QuantizableLayer l : layers) {
            layerInputs.add(l.activation());
            layerByOutput.put(g.node(l.nodeIndex()).getOutput(0), l.name());
        }
        List<Join> joins = new ArrayList<>();
        for (NodeProto add : model.getGraph().getNodeList()) {
            if (!add.getOpType().equals("Add") || !add.getDomain().isEmpty() || add.getInputCount() != 2) {
                continue;
            }
            Set<String> sources = new LinkedHashSet<>();
            if (!fromLayer(g, add.getInput(0), layerInputs, layerByOutput, sources)
                    || !fromLayer(g, add.getInput(1), layerInputs, layerByOutput, sources)) {
                continue;
            }
            joins.add(new Join(List.of(add.getInput(0), add.getInput(1)), sum(g, add), sources));
        }
        return joins;
    }

    /** Whether {@code value} is a layer's input or (through a Relu) output; adds the producing layer to {@code sources}. */
    private static boolean fromLayer(GraphIndex g, String value, Set<String> layerInputs, Map<String, String> layerByOutput,
                                     Set<String> sources) {
        String layer = layerByOutput.get(value);
        if (layer == null) {
            NodeProto p = g.producer(value);
            if (p != null && p.getOpType().equals("Relu")) {
                layer = layerByOutput.get(p.getInput(0));
            }
        }
        if (layer != null) {
            sources.add(layer);
            return true;
        }
        return layerInputs.contains(value);
    }

    /** The join's result: the output of the Relu that alone reads the sum, else the sum itself. */
    private static String sum(GraphIndex g, NodeProto add) {
        String s = add.getOutput(0);
        List<Integer> readers = g.consumers(s);
        if (readers.size() == 1 && !g.isGraphOutput(s)) {
            NodeProto r = g.node(readers.getFirst());
            if (r.getOpType().equals("Relu") && r.getDomain().isEmpty()) {
                return r.getOutput(0);
            }
        }
        return s;
    }
}
