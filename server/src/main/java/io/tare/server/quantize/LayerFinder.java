package io.tare.server.quantize;

import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the layers offline quantization can quantize: default-domain Conv, Gemm and MatMul nodes
 * whose weight (input 1) is a float initializer and, when present, whose bias (input 2) is a 1-D
 * float initializer. A Gemm with {@code transA} or {@code alpha != 1} is left in FP32, because its
 * weight would not be the right-hand operand that per-channel scales assume.
 */
public final class LayerFinder {

    private LayerFinder() {
    }

    public static List<QuantizableLayer> find(GraphProto graph) {
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        List<QuantizableLayer> out = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                continue;
            }
            String op = n.getOpType();
            if (!(op.equals("Conv") || op.equals("Gemm") || op.equals("MatMul")) || n.getInputCount() < 2) {
                continue;
            }
            TensorProto w = inits.get(n.getInput(1));
            if (w == null || !TensorProtos.isFloat(w)) {
                continue;
            }
            String bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
            if (bias != null) {
                TensorProto b = inits.get(bias);
                if (b == null || !TensorProtos.isFloat(b) || b.getDimsCount() != 1) {
                    continue;
                }
            }
            if (inits.containsKey(n.getInput(0))) {
                continue; // a constant times a constant is folding's job, not quantization's
            }
            long[] dims = TensorProtos.dims(w);
            int outAxis;
            int inAxis;
            switch (op) {
                case "Conv" -> {
                    if (dims.length < 3) {
                        continue;
                    }
                    outAxis = 0;
                    // a grouped convolution has no dense input-channel axis for smoothing or
                    // equalization to scale along; it is still quantized per output channel
                    inAxis = intAttr(n, "group", 1) == 1 ? 1 : -1;
                }
                case "Gemm" -> {
                    if (dims.length != 2 || intAttr(n, "transA", 0) != 0 || floatAttr(n, "alpha", 1f) != 1f
                            || (bias != null && floatAttr(n, "beta", 1f) != 1f)) {
                        continue;
                    }
                    boolean transB = intAttr(n, "transB", 0) != 0;
                    outAxis = transB ? 0 : 1;
                    inAxis = transB ? 1 : 0;
                }
                default -> {
                    if (dims.length != 2) {
                        continue;
                    }
                    outAxis = 1;
                    inAxis = 0;
                }
            }
            String name = n.getName().isEmpty() ? op + "_" + i : n.getName();
            out.add(new QuantizableLayer(name, op, i, n.getInput(0), n.getInput(1), bias, dims, outAxis, inAxis));
        }
        return out;
    }

    static long intAttr(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    static float floatAttr(NodeProto n, String name, float fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return fallback;
    }
}
