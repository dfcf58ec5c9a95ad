package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.WeightBits;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.ArrayList;
import java.util.List;

/**
 * DYNAMIC and STATIC modes: float Conv (2-D), Gemm and MatMul layers with constant float weights
 * become INT8 layers. Weights are quantized once, here, symmetric INT8 per output channel
 * ({@code scale = max|w| / 127}, zero point 0; with 7 weight bits {@code max|w| / 63}, values in
 * [-63, 63], which the native AVX2 kernels multiply with VPMADDUBSW, exactly); activations are
 * quantized per request by the layer (from the run's scale table when it has the tensor, else from
 * the tensor's own range).
 */
public final class WeightQuantization implements GraphPass {
    private final boolean perRow;
    /** The largest quantized magnitude: 127 (8 bits) or 63 (7 bits). */
    private final int qmax;

    /** @param weightBits 8 or 7 */
    public WeightQuantization(boolean perRow, int weightBits) {
        WeightBits.check(weightBits);
        this.perRow = perRow;
        this.qmax = (1 << (weightBits - 1)) - 1;
    }

    @Override
    public String name() {
        return "weight-quantization";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!n.domain().isEmpty()) {
                continue;
            }
            Tensor w = n.hasInput(1) ? graph.initializers().get(n.input(1)) : null;
            if (w == null || w.type() != DataType.FLOAT) {
                continue;
            }
            Node lowered = switch (n.opType()) {
                case "Conv" -> w.rank() == 4 ? lower(graph, n, w, Int8LinearOps.CONV, 0, 1f) : null;
                case "Gemm" -> w.rank() == 2 && n.attributes().getInt("transA", 0) == 0
                        && n.attributes().getFloat("alpha", 1f) == 1f
                        ? lower(graph, n, w, Int8LinearOps.GEMM, n.attributes().getInt("transB", 0) != 0 ? 0 : 1,
                                n.attributes().getFloat("beta", 1f)) : null;
                case "MatMul" -> w.rank() == 2 ? lower(graph, n, w, Int8LinearOps.GEMM, 1, 1f) : null;
                default -> null;
            };
            if (lowered != null) {
                nodes.set(i, lowered);
                changed = true;
            }
        }
        return changed;
    }

    private Node lower(Graph graph, Node n, Tensor w, String opType, int channelAxis, float beta) {
        String bias = "";
        if (n.hasInput(2)) {
            Tensor b = graph.initializers().get(n.input(2));
            if (b == null || b.type() != DataType.FLOAT || b.rank() > 1) {
                return null;
            }
            float[] f = b.copy().floats();
            for (int i = 0; i < f.length; i++) {
                f[i] *= beta;
            }
            bias = n.input(2) + "/tare_int8_bias";
            graph.initializers().put(bias, Tensor.ofFloats(b.shape(), f));
        }
        int channels = w.dim(channelAxis);
        int inner = io.tare.server.engine.ops.Axes.product(w.shape(), channelAxis + 1, w.rank());
        float[] absMax = new float[channels];
        float[] data = w.floats();
        for (int i = 0; i < w.size(); i++) {
            int c = (i / inner) % channels;
            absMax[c] = Math.max(absMax[c], Math.abs(data[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = absMax[c] == 0f ? 1f : absMax[c] / qmax;
        }
        byte[] q = new byte[w.size()];
        for (int i = 0; i < q.length; i++) {
            int c = (i / inner) % channels;
            q[i] = (byte) Math.clamp(Math.rint(data[i] / scales[c]), -qmax, qmax);
        }
        String wq = n.input(1) + "/tare_int8";
        String ws = n.input(1) + "/tare_int8_scale";
        graph.initializers().put(wq, Tensor.wrap(DataType.INT8, w.shape(), q));
        graph.initializers().put(ws, Tensor.ofFloats(new int[] {channels}, scales));
        List<String> inputs = new ArrayList<>(List.of(n.input(0), "", "", wq, ws, "", bias));
        var attrs = n.attributes().with(Int8LinearOps.ATTR_PER_ROW, perRow ? 1L : 0L);
        if (n.opType().equals("MatMul")) {
            attrs = attrs.with("transB", 0L);
        }
        return new Node(n.name(), opType, Int8LinearOps.DOMAIN, inputs, n.outputs(), attrs);
    }
}
