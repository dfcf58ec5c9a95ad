package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lowers QDQ patterns to INT8 kernels: a Conv, Gemm or MatMul whose activation input is
 * {@code DequantizeLinear(x_q)} (per-tensor, 8-bit) and whose weight is {@code DequantizeLinear} of
 * a constant 8-bit tensor (per tensor or per output channel) becomes one {@code tare:Int8Conv} /
 * {@code tare:Int8Gemm} node. It reads {@code x_q} directly, accumulates {@code (x - zx)(w - zw)}
 * exactly in int32, and writes {@code acc * sx * sw[c] + bias[c]} in float, so the float
 * DequantizeLinear of the activation and of the weight never run. A bias given as
 * {@code DequantizeLinear(int32)} (torch, ORT) is dequantized once at load.
 *
 * <p>The now unread DequantizeLinear nodes are left for dead-node elimination.
 */
public final class QdqLowering implements GraphPass {
    @Override
    public String name() {
        return "qdq-int8-lowering";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, Node> producers = graph.producers();
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            if (!node.domain().isEmpty()) {
                continue;
            }
            if ((node.opType().equals("Gemm") || node.opType().equals("MatMul"))
                    && moveDequantizeAfterFlatten(graph, node, producers, i)) {
                i += 2; // two nodes were inserted before the layer
                node = nodes.get(i);
                producers = graph.producers();
                changed = true;
            }
            Node lowered = switch (node.opType()) {
                case "Conv" -> lower(graph, node, producers, Int8LinearOps.CONV, 0);
                case "Gemm" -> gemmAllowed(node) ? lower(graph, node, producers, Int8LinearOps.GEMM,
                        node.attributes().getInt("transB", 0) != 0 ? 0 : 1) : null;
                case "MatMul" -> lower(graph, node, producers, Int8LinearOps.GEMM, 1);
                default -> null;
            };
            if (lowered != null) {
                nodes.set(i, lowered);
                changed = true;
            }
        }
        return changed;
    }

    /**
     * When {@code layer}'s input is {@code Flatten(DequantizeLinear(x_q))} with a per-tensor scale,
     * returns a Flatten of {@code x_q} and rewires the layer to a DequantizeLinear of it, so the
     * layer matches the lowering pattern. The two new nodes go just before the layer at {@code at}.
     */
    private static boolean moveDequantizeAfterFlatten(Graph graph, Node layer, Map<String, Node> producers, int at) {
        Node flatten = producers.get(layer.input(0));
        if (flatten == null || !flatten.domain().isEmpty() || !flatten.opType().equals("Flatten")) {
            return false;
        }
        Node dq = dequantizeOf(producers, flatten.input(0));
        if (dq == null || graph.isConstant(dq.input(0))) {
            return false;
        }
        Tensor scale = graph.initializers().get(dq.input(1));
        if (scale == null || scale.size() != 1) {
            return false;
        }
        String flatQ = flatten.output(0) + "/tare_int8";
        String flatDq = flatten.output(0) + "/tare_int8_dq";
        Node newFlatten = new Node(flatten.name() + "/tare_int8", "Flatten", "", List.of(dq.input(0)), List.of(flatQ),
                flatten.attributes());
        List<String> dqInputs = new ArrayList<>(dq.inputs());
        dqInputs.set(0, flatQ);
        Node newDq = new Node(dq.name() + "/tare_int8", "DequantizeLinear", "", dqInputs, List.of(flatDq),
                dq.attributes());
        List<String> layerInputs = new ArrayList<>(layer.inputs());
        layerInputs.set(0, flatDq);
        graph.nodes().set(at, layer.withInputs(layerInputs));
        graph.nodes().add(at, newDq);
        graph.nodes().add(at, newFlatten);
        return true;
    }

    private static boolean gemmAllowed(Node gemm) {
        Attributes a = gemm.attributes();
        return a.getInt("transA", 0) == 0 && a.getFloat("alpha", 1f) == 1f;
    }

    /**
     * @param channelAxis the weight axis that indexes output channels (per-channel scales must lie on it)
     */
    private static Node lower(Graph graph, Node node, Map<String, Node> producers, String opType, int channelAxis) {
        Node dqx = dequantizeOf(producers, node.input(0));
        Node dqw = dequantizeOf(producers, node.input(1));
        if (dqx == null || dqw == null || graph.isConstant(dqx.input(0)) || !graph.isConstant(dqw.input(0))) {
            return null;
        }
        Tensor xScale = graph.initializers().get(dqx.input(1));
        Tensor xZp = dqx.hasInput(2) ? graph.initializers().get(dqx.input(2)) : null;
        Tensor w = graph.initializers().get(dqw.input(0));
        Tensor wScale = graph.initializers().get(dqw.input(1));
        Tensor wZp = dqw.hasInput(2) ? graph.initializers().get(dqw.input(2)) : null;
        if (xScale == null || xScale.size() != 1 || (dqx.hasInput(2) && xZp == null) || wScale == null
                || (dqw.hasInput(2) && wZp == null) || dqw.attributes().getInt("block_size", 0) != 0) {
            return null;
        }
        if (!eightBit(w.type()) || (xZp != null && !eightBit(xZp.type()))) {
            return null;
        }
        if (wScale.size() != 1) {
            long axis = dqw.attributes().getInt("axis", 1);
            int rank = w.rank();
            int a = (int) (axis < 0 ? axis + rank : axis);
            if (a != channelAxis || wScale.size() != w.dim(channelAxis)) {
                return null;
            }
        }
        String bias = "";
        if (node.hasInput(2)) {
            bias = floatBias(graph, node, producers);
            if (bias == null) {
                return null;
            }
        }
        if (opType.equals(Int8LinearOps.GEMM) ? w.rank() != 2 : w.rank() != 4) {
            return null;
        }
        List<String> inputs = new ArrayList<>(List.of(dqx.input(0), dqx.input(1), dqx.hasInput(2) ? dqx.input(2) : "",
                dqw.input(0), dqw.input(1), dqw.hasInput(2) ? dqw.input(2) : "", bias));
        Attributes attrs = node.attributes();
        if (node.opType().equals("MatMul")) {
            attrs = attrs.with("transB", 0L);
        }
        return new Node(node.name(), opType, Int8LinearOps.DOMAIN, inputs, node.outputs(), attrs);
    }

    private static boolean eightBit(DataType t) {
        return t == DataType.INT8 || t == DataType.UINT8;
    }

    private static Node dequantizeOf(Map<String, Node> producers, String value) {
        Node p = producers.get(value);
        return p != null && p.domain().isEmpty() && p.opType().equals("DequantizeLinear") ? p : null;
    }

    /** The bias as a float constant (dequantized and beta-scaled at load), or null when it is not constant. */
    private static String floatBias(Graph graph, Node node, Map<String, Node> producers) {
        String name = node.input(2);
        Tensor bias = graph.initializers().get(name);
        Node dq = dequantizeOf(producers, name);
        if (bias == null && dq != null && graph.isConstant(dq.input(0)) && graph.isConstant(dq.input(1))
                && (!dq.hasInput(2) || graph.isConstant(dq.input(2)))) {
            Tensor q = graph.initializers().get(dq.input(0));
            Tensor s = graph.initializers().get(dq.input(1));
            Tensor z = dq.hasInput(2) ? graph.initializers().get(dq.input(2)) : null;
            float[] f = new float[q.size()];
            for (int i = 0; i < f.length; i++) {
                int si = s.size() == 1 ? 0 : i;
                f[i] = (float) (q.getLong(i) - (z == null ? 0 : z.getLong(si))) * (float) s.getDouble(si);
            }
            bias = Tensor.ofFloats(q.shape(), f);
        }
        if (bias == null || bias.type() != DataType.FLOAT || bias.rank() > 1) {
            return null;
        }
        float beta = node.opType().equals("Gemm") ? node.attributes().getFloat("beta", 1f) : 1f;
        if (beta != 1f) {
            float[] f = bias.copy().floats();
            for (int i = 0; i < f.length; i++) {
                f[i] *= beta;
            }
            bias = Tensor.ofFloats(bias.shape(), f);
        }
        String folded = name + "/tare_float_bias";
        graph.initializers().put(folded, bias);
        return folded;
    }
}
