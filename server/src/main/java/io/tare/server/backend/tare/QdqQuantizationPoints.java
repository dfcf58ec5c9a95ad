package io.tare.server.backend.tare;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.quant.ScaleTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replaceable activation quantization points of a pre-quantized (QDQ or torch INT8) graph: every
 * {@code QuantizeLinear} of a non-constant float tensor with a per-tensor scale and a UINT8 zero
 * point, together with the {@code DequantizeLinear} nodes that read its output (directly or through
 * no-op {@code Cast}/{@code Identity}). The key of a point is the float tensor entering the
 * QuantizeLinear: the same name the engine's tap reports.
 *
 * <p>Why a graph rewrite: the engine reads a QDQ model's activation scales from the graph's
 * constants, not from its {@link ScaleTable}, so a new table is applied by rewriting those constants
 * in a fresh copy of the graph and loading it again (see {@link TareEngineModels}). Works on the raw
 * graph as read from the file, before the engine's passes.
 */
final class QdqQuantizationPoints {
    private static final String SCALE_SUFFIX = "/tare_scale";
    private static final String ZERO_POINT_SUFFIX = "/tare_zero_point";

    private QdqQuantizationPoints() {
    }

    /** One point: the QuantizeLinear node and the DequantizeLinear nodes reading it. */
    private record Point(String tensor, Node quantize, List<Node> dequantizes) {
    }

    /** The model's own activation scales, version 0; empty when the graph has no replaceable point. */
    static ScaleTable tableOf(Graph graph) {
        Map<String, ScaleTable.Range> entries = new LinkedHashMap<>();
        for (Point p : points(graph)) {
            Tensor scale = constant(graph, p.quantize.input(1));
            Tensor zp = constant(graph, p.quantize.input(2));
            entries.putIfAbsent(p.tensor, new ScaleTable.Range((float) scale.getDouble(0), (int) zp.getLong(0)));
        }
        return new ScaleTable(0, entries);
    }

    /**
     * Points the quantize and dequantize nodes of every point that {@code table} names at new
     * constants holding its scale and zero point. Modifies {@code graph}.
     */
    static void apply(Graph graph, ScaleTable table) {
        for (Point p : points(graph)) {
            ScaleTable.Range range = table.get(p.tensor);
            if (range == null) {
                continue;
            }
            String scaleName = p.tensor + SCALE_SUFFIX;
            String zpName = p.tensor + ZERO_POINT_SUFFIX;
            graph.initializers().put(scaleName, Tensor.scalar(range.scale()));
            graph.initializers().put(zpName, Tensor.wrap(DataType.UINT8, new int[0], new byte[]{(byte) range.zeroPoint()}));
            replace(graph, p.quantize, scaleName, zpName);
            for (Node dq : p.dequantizes) {
                replace(graph, dq, scaleName, zpName);
            }
        }
    }

    /**
     * Turns the graph into its float reference: every dequantize of a point becomes an
     * {@code Identity} of the float tensor the point quantizes, so activations are never rounded
     * (weights keep their stored 8-bit values). Modifies {@code graph}.
     */
    static void removeActivationQuantization(Graph graph) {
        for (Point p : points(graph)) {
            for (Node dq : p.dequantizes) {
                int at = graph.nodes().indexOf(dq);
                graph.nodes().set(at, new Node(dq.name() + "/tare_float", "Identity", "", List.of(p.tensor),
                        dq.outputs(), Attributes.empty()));
            }
        }
    }

    private static void replace(Graph graph, Node node, String scale, String zp) {
        List<String> inputs = new ArrayList<>(node.inputs());
        while (inputs.size() < 3) {
            inputs.add("");
        }
        inputs.set(1, scale);
        inputs.set(2, zp);
        Node updated = node.withInputs(inputs);
        int at = graph.nodes().indexOf(node);
        graph.nodes().set(at, updated);
    }

    private static List<Point> points(Graph graph) {
        Map<String, List<Node>> consumers = graph.consumers();
        List<Point> points = new ArrayList<>();
        for (Node q : graph.nodes()) {
            if (!q.domain().isEmpty() || !q.opType().equals("QuantizeLinear") || isConstant(graph, q.input(0))
                    || !q.hasInput(2)) {
                continue;
            }
            Tensor scale = constant(graph, q.input(1));
            Tensor zp = constant(graph, q.input(2));
            if (scale == null || zp == null || scale.size() != 1 || zp.size() != 1 || zp.type() != DataType.UINT8
                    || scale.type() != DataType.FLOAT) {
                continue;
            }
            List<Node> dqs = new ArrayList<>();
            if (collectDequantizes(q.output(0), consumers, dqs)) {
                points.add(new Point(q.input(0), q, dqs));
            }
        }
        return points;
    }

    /**
     * Collects the DequantizeLinear readers of {@code value}, looking through Cast and Identity; false
     * when anything else reads it (then its scale cannot be changed without changing that reader).
     */
    private static boolean collectDequantizes(String value, Map<String, List<Node>> consumers, List<Node> out) {
        for (Node reader : consumers.getOrDefault(value, List.of())) {
            if (!reader.domain().isEmpty()) {
                return false;
            }
            switch (reader.opType()) {
                case "DequantizeLinear" -> {
                    if (!reader.input(0).equals(value)) {
                        return false;
                    }
                    out.add(reader);
                }
                case "Cast", "Identity" -> {
                    if (!collectDequantizes(reader.output(0), consumers, out)) {
                        return false;
                    }
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isConstant(Graph graph, String value) {
        return constant(graph, value) != null;
    }

    /** The value of an initializer or of a {@code Constant} node's {@code value} tensor, else null. */
    private static Tensor constant(Graph graph, String value) {
        if (value.isEmpty()) {
            return null;
        }
        Tensor t = graph.initializers().get(value);
        if (t != null) {
            return t;
        }
        for (Node n : graph.nodes()) {
            if (n.opType().equals("Constant") && n.domain().isEmpty() && n.output(0).equals(value)) {
                return n.attributes().has("value") ? n.attributes().getTensor("value") : null;
            }
        }
        return null;
    }
}
