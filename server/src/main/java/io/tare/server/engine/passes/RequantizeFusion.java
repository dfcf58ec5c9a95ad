package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;

/**
 * Fuses a per-tensor 8-bit QuantizeLinear into the engine INT8 layer that feeds it: the layer's
 * epilogue requantizes its results ({@code saturate(rint(act(acc * sx * sw + b) / sy) + zy)}) and
 * writes 8-bit output, so the float output is never stored and the QuantizeLinear never runs. In
 * a torch INT8 or QDQ chain the next INT8 layer then reads those bytes directly.
 *
 * <p>Applies when the QuantizeLinear is the layer's one reader, its scale and zero point are
 * constant scalars (the zero point present, which fixes the output type), it keeps the default
 * saturation, and the layer's activation (if any) is one the epilogue applies. Not run when a
 * quantization tap is installed: the tap must see the float values the QuantizeLinear quantizes.
 */
public final class RequantizeFusion implements GraphPass {
    @Override
    public String name() {
        return "requantize-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        List<Node> nodes = graph.nodes();
        for (ListIterator<Node> it = nodes.listIterator(); it.hasNext(); ) {
            Node q = it.next();
            if (!isPerTensorQuantize(graph, q)) {
                continue;
            }
            Node layer = producers.get(q.input(0));
            if (layer == null || !layer.domain().equals(Int8LinearOps.DOMAIN)
                    || layer.hasInput(Int8LinearOps.OUTPUT_SCALE_INPUT) || graph.isGraphOutput(layer.output(0))
                    || consumers.getOrDefault(layer.output(0), List.of()).size() != 1
                    || FusedActivation.from(layer.attributes()).epilogueActivation() == null) {
                continue;
            }
            List<String> inputs = new ArrayList<>(layer.inputs());
            while (inputs.size() < Int8LinearOps.OUTPUT_SCALE_INPUT) {
                inputs.add("");
            }
            inputs.add(q.input(1));
            inputs.add(q.input(2));
            Node merged = new Node(layer.name(), layer.opType(), layer.domain(), inputs, q.outputs(),
                    layer.attributes());
            nodes.set(nodes.indexOf(layer), merged);
            it.remove();
            producers = graph.producers();
            consumers = graph.consumers();
            changed = true;
        }
        return changed;
    }

    /** A QuantizeLinear to constant scalar 8-bit parameters with a zero point and default saturation. */
    static boolean isPerTensorQuantize(Graph graph, Node q) {
        if (!q.domain().isEmpty() || !q.opType().equals("QuantizeLinear") || !q.hasInput(2)
                || q.outputs().size() != 1 || q.attributes().getInt("saturate", 1) != 1) {
            return false;
        }
        Tensor scale = graph.initializers().get(q.input(1));
        Tensor zp = graph.initializers().get(q.input(2));
        if (scale == null || zp == null || scale.size() != 1 || zp.size() != 1 || scale.type() != DataType.FLOAT) {
            return false;
        }
        if (zp.type() != DataType.UINT8 && zp.type() != DataType.INT8) {
            return false;
        }
        long declared = q.attributes().getInt("output_dtype", 0);
        return declared == 0 || declared == zp.type().onnxCode();
    }
}
