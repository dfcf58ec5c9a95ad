package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;

/**
 * Folds an inference-mode BatchNormalization into the Conv, Gemm or MatMul that feeds it, when
 * the layer's weight and the normalization's four parameters are constants and nothing else reads
 * the layer's output. With {@code f[c] = scale[c] / sqrt(var[c] + eps)}:
 * {@code w'[c] = w[c] * f[c]} (output channel c) and {@code b'[c] = (b[c] - mean[c]) * f[c] + B[c]},
 * computed in double and rounded once. The normalization then costs nothing at run time, and an
 * activation after it can be fused into the layer.
 */
public final class BatchNormFolding implements GraphPass {
    @Override
    public String name() {
        return "batchnorm-folding";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        List<Node> nodes = graph.nodes();
        for (ListIterator<Node> it = nodes.listIterator(); it.hasNext(); ) {
            Node bn = it.next();
            if (!bn.domain().isEmpty() || !bn.opType().equals("BatchNormalization") || bn.outputs().size() != 1
                    || bn.attributes().getInt("training_mode", 0) != 0) {
                continue;
            }
            Node layer = producers.get(bn.input(0));
            if (layer == null || graph.isGraphOutput(layer.output(0))
                    || consumers.getOrDefault(layer.output(0), List.of()).size() != 1) {
                continue;
            }
            Node folded = fold(graph, layer, bn);
            if (folded == null) {
                continue;
            }
            nodes.set(nodes.indexOf(layer), folded.withOutputs(List.of(bn.output(0))));
            it.remove();
            producers = graph.producers();
            consumers = graph.consumers();
            changed = true;
        }
        return changed;
    }

    /** The layer with folded weight and bias (outputs not yet renamed), or null when it does not apply. */
    private static Node fold(Graph graph, Node layer, Node bn) {
        if (!layer.domain().isEmpty()) {
            return null;
        }
        Tensor w = graph.initializers().get(layer.input(1));
        if (w == null || w.type() != DataType.FLOAT) {
            return null;
        }
        int channelAxis;
        switch (layer.opType()) {
            case "Conv" -> channelAxis = 0;
            case "Gemm" -> {
                if (layer.attributes().getInt("transA", 0) != 0 || w.rank() != 2) {
                    return null;
                }
                channelAxis = layer.attributes().getInt("transB", 0) != 0 ? 0 : 1;
            }
            case "MatMul" -> {
                if (w.rank() != 2) {
                    return null;
                }
                channelAxis = 1;
            }
            default -> {
                return null;
            }
        }
        int channels = w.dim(channelAxis);
        Tensor[] p = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            p[i] = graph.initializers().get(bn.input(i + 1));
            if (p[i] == null || p[i].type() != DataType.FLOAT || p[i].size() != channels) {
                return null;
            }
        }
        Tensor oldBias = null;
        boolean gemm = layer.opType().equals("Gemm");
        float beta = gemm ? layer.attributes().getFloat("beta", 1f) : 1f;
        if (layer.hasInput(2)) {
            oldBias = graph.initializers().get(layer.input(2));
            boolean perChannel = oldBias != null && oldBias.type() == DataType.FLOAT
                    && (oldBias.size() == channels || oldBias.size() == 1) && oldBias.rank() <= (gemm ? 2 : 1);
            if (!perChannel || (gemm && oldBias.rank() == 2 && oldBias.dim(0) != 1)) {
                return null;
            }
        }
        double eps = bn.attributes().getFloat("epsilon", 1e-5f);
        double[] factor = new double[channels];
        float[] bias = new float[channels];
        for (int c = 0; c < channels; c++) {
            factor[c] = p[0].floats()[c] / Math.sqrt((double) p[3].floats()[c] + eps);
            double b = oldBias == null ? 0.0 : (double) beta * oldBias.floats()[oldBias.size() == 1 ? 0 : c];
            bias[c] = (float) ((b - p[2].floats()[c]) * factor[c] + p[1].floats()[c]);
        }
        float[] src = w.floats();
        float[] scaled = new float[w.size()];
        int inner = io.tare.server.engine.ops.Axes.product(w.shape(), channelAxis + 1, w.rank());
        for (int i = 0; i < scaled.length; i++) {
            int c = (i / inner) % channels;
            scaled[i] = (float) (src[i] * factor[c]);
        }
        String wName = layer.input(1) + "/tare_bn_folded";
        String bName = bn.output(0) + "/tare_bn_bias";
        graph.initializers().put(wName, Tensor.wrap(DataType.FLOAT, w.shape(), scaled));
        graph.initializers().put(bName, Tensor.ofFloats(new int[] {channels}, bias));
        List<String> inputs = new ArrayList<>(List.of(layer.input(0), wName, bName));
        Node result = layer.withInputs(inputs);
        if (gemm) {
            result = new Node(layer.name(), layer.opType(), layer.domain(), inputs, layer.outputs(),
                    layer.attributes().with("beta", 1f));
        }
        return result;
    }
}
