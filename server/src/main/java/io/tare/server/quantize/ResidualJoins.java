package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The residual joins of a convolutional network: an {@code Add} of two activations that each come
 * from a quantized layer, directly or through a Relu, or are themselves a quantized layer's input.
 * PyTorch's INT8 exports keep such a join 8-bit: both addends and the (Relu'd) sum are quantized,
 * so the engine adds the 8-bit tensors and the stream stays 8-bit from one block to the next. The
 * values returned are the ones that need scales for that beyond the layers' own inputs.
 *
 * <p>Adds with a constant input (biases) and adds of anything else (a transformer's residual
 * stream after LayerNormalization, a bias-added MatMul output) are not joins: quantizing them would
 * cost accuracy where float adds are cheap.
 */
final class ResidualJoins {
    private ResidualJoins() {
    }

    /** The addends and sums of every join, in graph order, minus the layers' own inputs. */
    static Set<String> values(ModelProto model, List<QuantizableLayer> layers) {
        GraphIndex g = new GraphIndex(model);
        Set<String> layerInputs = new LinkedHashSet<>();
        Set<String> layerOutputs = new LinkedHashSet<>();
        for (QuantizableLayer l : layers) {
            layerInputs.add(l.activation());
            layerOutputs.add(g.node(l.nodeIndex()).getOutput(0));
        }
        Set<String> values = new LinkedHashSet<>();
        for (NodeProto add : model.getGraph().getNodeList()) {
            if (!add.getOpType().equals("Add") || !add.getDomain().isEmpty() || add.getInputCount() != 2) {
                continue;
            }
            String a = add.getInput(0);
            String b = add.getInput(1);
            if (!fromLayer(g, a, layerInputs, layerOutputs) || !fromLayer(g, b, layerInputs, layerOutputs)) {
                continue;
            }
            values.add(a);
            values.add(b);
            values.add(sum(g, add));
        }
        values.removeAll(layerInputs);
        return values;
    }

    private static boolean fromLayer(GraphIndex g, String value, Set<String> layerInputs, Set<String> layerOutputs) {
        if (layerInputs.contains(value) || layerOutputs.contains(value)) {
            return true;
        }
        NodeProto p = g.producer(value);
        return p != null && p.getOpType().equals("Relu") && layerOutputs.contains(p.getInput(0));
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
