package io.tare.server.engine.passes;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.PoolOps;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps activations channels-last (NHWC) between the engine's INT8 convolutions. An Int8Conv
 * computes [pixels, channels] and reads patches most cheaply from [H, W, C]; in NCHW every layer
 * transposes its input one way and its output back. Here a value is stored NHWC when its producer
 * and all its readers can take it so: 8-bit-output {@code tare:Int8Conv}s (group 1) write it, their
 * input 0 reads it, and element-wise ops in between (the residual {@code DequantizeLinear -> Add ->
 * Relu -> QuantizeLinear} of a ResNet block, or its fused {@code tare:Int8Add}) pass it through
 * unchanged, since they do not care about the order of elements as long as every tensor they
 * combine has the same order; global pooling at the chain's end reads it as well (its [N, C, 1, 1]
 * result is the same in both layouts). The tensor
 * then has the physical shape [N, H, W, C]: broadcasting between two such tensors permutes with the
 * layout, so it stays correct. Values read by anything else (windowed pooling, reshapes, graph outputs)
 * stay NCHW: the conversion happens inside the first and last convolutions of the chain.
 *
 * <p>The Int8Convs get {@link Int8LinearOps#ATTR_NHWC_INPUT} / {@link Int8LinearOps#ATTR_NHWC_OUTPUT};
 * the element-wise nodes need no change. Runs after requantize fusion (only 8-bit outputs go
 * channels-last) and, like it, only without a quantization tap.
 */
public final class ChannelsLastActivations implements GraphPass {
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul");

    @Override
    public String name() {
        return "channels-last-activations";
    }

    @Override
    public boolean apply(Graph graph) {
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        Set<String> nhwc = new HashSet<>();
        for (Node n : graph.nodes()) {
            if ((isChannelsLastConv(n) && n.hasInput(Int8LinearOps.OUTPUT_SCALE_INPUT)) || isElementwise(graph, n)) {
                if (!graph.isGraphOutput(n.output(0))) {
                    nhwc.add(n.output(0));
                }
            }
        }
        // drop values until every producer and reader of what remains agrees (a fixed point)
        boolean dropped = true;
        while (dropped) {
            dropped = false;
            for (String v : List.copyOf(nhwc)) {
                if (!producerAgrees(graph, producers.get(v), nhwc) || !readersAgree(v, consumers, nhwc)) {
                    nhwc.remove(v);
                    dropped = true;
                }
            }
        }
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (isGlobalPool(n) && nhwc.contains(n.input(0))) {
                nodes.set(i, new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(),
                        n.attributes().with(PoolOps.ATTR_NHWC_INPUT, 1L)));
                changed = true;
                continue;
            }
            if (!isChannelsLastConv(n)) {
                continue;
            }
            Attributes attrs = n.attributes();
            if (nhwc.contains(n.input(0))) {
                attrs = attrs.with(Int8LinearOps.ATTR_NHWC_INPUT, 1L);
            }
            if (nhwc.contains(n.output(0))) {
                attrs = attrs.with(Int8LinearOps.ATTR_NHWC_OUTPUT, 1L);
            }
            if (attrs != n.attributes()) {
                nodes.set(i, new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs));
                changed = true;
            }
        }
        return changed;
    }

    /** An element-wise producer needs every tensor input channels-last too; a convolution does not. */
    private static boolean producerAgrees(Graph graph, Node p, Set<String> nhwc) {
        if (p == null || isChannelsLastConv(p)) {
            return p != null;
        }
        boolean any = false;
        for (String in : dataInputs(p)) {
            if (!nhwc.contains(in) && !isScalarConstant(graph, in)) {
                return false;
            }
            any |= nhwc.contains(in);
        }
        return any;
    }

    private static boolean readersAgree(String v, Map<String, List<Node>> consumers, Set<String> nhwc) {
        for (Node c : consumers.getOrDefault(v, List.of())) {
            if (isChannelsLastConv(c)) {
                // only as the activation: the other inputs are constants the convolution reads as such
                for (int i = 1; i < c.inputs().size(); i++) {
                    if (c.input(i).equals(v)) {
                        return false;
                    }
                }
            } else if (isGlobalPool(c)) {
                continue; // reads either layout, and writes [N, C, 1, 1], the same in both
            } else if (c.outputs().size() != 1 || !nhwc.contains(c.output(0)) || !dataInputs(c).contains(v)) {
                return false;
            } else {
                // a reader passing v through must not also take it as a parameter (scale, zero point)
                List<Integer> data = dataInputIndices(c);
                for (int i = 0; i < c.inputs().size(); i++) {
                    if (!data.contains(i) && c.input(i).equals(v)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Global pooling (the end of a CNN's convolution chain): it reads NHWC as well (see {@link PoolOps}). */
    private static boolean isGlobalPool(Node n) {
        return n.domain().isEmpty() && (n.opType().equals("GlobalAveragePool") || n.opType().equals("GlobalMaxPool"))
                && n.inputs().size() == 1 && n.outputs().size() == 1;
    }

    private static boolean isChannelsLastConv(Node n) {
        return n.domain().equals(Int8LinearOps.DOMAIN) && n.opType().equals(Int8LinearOps.CONV)
                && n.attributes().getInt("group", 1) == 1 && n.outputs().size() == 1;
    }

    /** Ops whose result element i depends only on element i of each input (scalars aside). */
    private static boolean isElementwise(Graph graph, Node n) {
        if (isInt8Add(n)) {
            return true;
        }
        if (!n.domain().isEmpty() || n.outputs().size() != 1) {
            return false;
        }
        return switch (n.opType()) {
            case "Relu" -> n.inputs().size() == 1;
            case "QuantizeLinear", "DequantizeLinear" -> n.hasInput(1) && isScalarConstant(graph, n.input(1))
                    && (!n.hasInput(2) || isScalarConstant(graph, n.input(2)));
            default -> BINARY.contains(n.opType()) && n.inputs().size() == 2;
        };
    }

    /** The inputs that are tensors of the op's shape (not quantization parameters). */
    private static List<String> dataInputs(Node n) {
        return dataInputIndices(n).stream().map(n::input).toList();
    }

    private static List<Integer> dataInputIndices(Node n) {
        if (isInt8Add(n)) {
            return List.of(0, 3);
        }
        return BINARY.contains(n.opType()) ? List.of(0, 1) : List.of(0);
    }

    private static boolean isInt8Add(Node n) {
        return n.domain().equals(Int8LinearOps.DOMAIN) && n.opType().equals(Int8LinearOps.ADD);
    }

    private static boolean isScalarConstant(Graph graph, String value) {
        Tensor t = graph.initializers().get(value);
        return t != null && t.size() == 1;
    }
}
