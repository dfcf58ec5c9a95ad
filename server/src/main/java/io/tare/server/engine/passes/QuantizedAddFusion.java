package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.List;
import java.util.Map;

/**
 * Fuses the residual join of a quantized ResNet block, {@code QuantizeLinear(Relu?(Add(
 * DequantizeLinear(a), DequantizeLinear(b))))}, into one {@code tare:Int8Add} over the 8-bit
 * tensors (bit-identical: the same arithmetic without the float tensors in between). Every
 * quantization parameter must be a constant scalar; the Add and the Relu must have no other reader
 * and not be graph outputs. The DequantizeLinears stay if something else reads them (dead-node
 * removal takes them otherwise). Not run with a quantization tap: the tap watches the float input
 * of the QuantizeLinear.
 */
public final class QuantizedAddFusion implements GraphPass {
    @Override
    public String name() {
        return "quantized-add-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        for (int i = 0; i < nodes.size(); i++) {
            Node q = nodes.get(i);
            if (!q.opType().equals("QuantizeLinear") || !RequantizeFusion.isPerTensorQuantize(graph, q)) {
                continue;
            }
            Node relu = QuantizedReluHoisting.soleProducer(graph, producers, consumers, q.input(0), "Relu");
            String sum = relu != null ? relu.input(0) : q.input(0);
            Node add = QuantizedReluHoisting.soleProducer(graph, producers, consumers, sum, "Add");
            if (add == null || add.inputs().size() != 2) {
                continue;
            }
            Node dqa = producers.get(add.input(0));
            Node dqb = producers.get(add.input(1));
            if (!isPerTensorDequantize(graph, dqa) || !isPerTensorDequantize(graph, dqb)) {
                continue;
            }
            Attributes attrs = relu == null ? Attributes.empty()
                    : Attributes.empty().with(FusedActivation.ATTR_KIND, FusedActivation.Kind.RELU.name());
            Node fused = new Node(q.name() + "/tare_int8_add", Int8LinearOps.ADD, Int8LinearOps.DOMAIN,
                    List.of(dqa.input(0), dqa.input(1), dqa.input(2), dqb.input(0), dqb.input(1), dqb.input(2),
                            q.input(1), q.input(2)),
                    q.outputs(), attrs);
            nodes.set(i, fused);
            nodes.remove(add);
            if (relu != null) {
                nodes.remove(relu);
            }
            producers = graph.producers();
            consumers = graph.consumers();
            i = -1; // indices moved; rescan (models are small)
            changed = true;
        }
        return changed;
    }

    private static boolean isPerTensorDequantize(Graph graph, Node dq) {
        if (dq == null || !dq.domain().isEmpty() || !dq.opType().equals("DequantizeLinear") || !dq.hasInput(2)) {
            return false;
        }
        Tensor scale = graph.initializers().get(dq.input(1));
        Tensor zp = graph.initializers().get(dq.input(2));
        return scale != null && zp != null && scale.size() == 1 && zp.size() == 1 && scale.type() == DataType.FLOAT
                && (zp.type() == DataType.UINT8 || zp.type() == DataType.INT8);
    }
}
