package io.tare.server.quantize;

import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight-only non-uniform quantization with a k-means codebook per weight tensor, and the uniform
 * grids it is measured against. In the ONNX export each weight becomes {@code Gather(codes,
 * Cast(indices_uint8 -> int32))}: one byte per weight plus the codebook, run by any ONNX runtime
 * (a Gather, not an integer kernel: this option saves size and measures accuracy, it does not run
 * faster). The uniform twins replace each weight by its dequantized symmetric grid with the same
 * number of levels ({@code 2 * qmax + 1}: 255 for 256 codes, 15 for 16), per tensor and per channel.
 */
public final class NonUniformWeights {

    /** One layer's weight SQNR under the codebook and the two uniform grids. */
    public record LayerComparison(String layer, double kmeansSqnrDb, double uniformPerTensorSqnrDb, double uniformPerChannelSqnrDb) {
    }

    /** The three models (k-means export, uniform per tensor, uniform per channel) and per-layer weight SQNRs. */
    record Result(ModelProto kmeans, ModelProto uniformPerTensor, ModelProto uniformPerChannel, List<LayerComparison> layers) {
    }

    private NonUniformWeights() {
    }

    static Result build(ModelProto fp32, List<QuantizableLayer> layers, int levels) {
        if (levels != 16 && levels != 256) {
            throw new QuantizeException("--weights-kmeans takes 16 or 256 levels, not " + levels);
        }
        int bits = levels == 256 ? 8 : 4;
        Map<String, TensorProto> inits = new LinkedHashMap<>();
        fp32.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
        GraphIndex uniformT = new GraphIndex(fp32);
        GraphIndex uniformC = new GraphIndex(fp32);
        List<NodeProto> nodes = new ArrayList<>(fp32.getGraph().getNodeList());
        List<NodeProto> prepend = new ArrayList<>();
        List<TensorProto> added = new ArrayList<>();
        List<LayerComparison> out = new ArrayList<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        for (QuantizableLayer l : layers) {
            if (!done.add(l.weight())) {
                continue;
            }
            float[] w = TensorProtos.floats(inits.get(l.weight()));
            KMeansCodebook cb = KMeansCodebook.fit(w, levels);
            QuantizedWeight t = WeightQuantizer.quantize(w, l.weightDims(), -1, 0, bits);
            QuantizedWeight c = WeightQuantizer.quantize(w, l.weightDims(), l.outputAxis(), 0, bits);
            System.arraycopy(t.dequantize(l.weightDims()), 0, uniformT.floats(l.weight()), 0, w.length);
            System.arraycopy(c.dequantize(l.weightDims()), 0, uniformC.floats(l.weight()), 0, w.length);
            out.add(new LayerComparison(l.name(), cb.sqnrDb(), t.sqnrDb(), c.sqnrDb()));
            String codes = l.weight() + "_kmeans_codes";
            String idx = l.weight() + "_kmeans_indices";
            String idx32 = idx + "_int32";
            String rebuilt = l.weight() + "_kmeans";
            added.add(TensorProtos.floatTensor(codes, new long[] {levels}, cb.codes()));
            added.add(TensorProtos.byteTensor(idx, TensorProto.DataType.UINT8_VALUE, l.weightDims(), cb.indices()));
            prepend.add(NodeProto.newBuilder().setOpType("Cast").setName(idx + "_Cast").addInput(idx).addOutput(idx32)
                    .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                            .setI(TensorProto.DataType.INT32_VALUE)).build());
            prepend.add(NodeProto.newBuilder().setOpType("Gather").setName(rebuilt + "_Gather").addInput(codes).addInput(idx32)
                    .addOutput(rebuilt).build());
            for (int i = 0; i < nodes.size(); i++) {
                NodeProto n = nodes.get(i);
                for (int k = 0; k < n.getInputCount(); k++) {
                    if (n.getInput(k).equals(l.weight())) {
                        n = n.toBuilder().setInput(k, rebuilt).build();
                    }
                }
                nodes.set(i, n);
            }
            inits.remove(l.weight());
        }
        GraphProto.Builder g = fp32.getGraph().toBuilder().clearNode().addAllNode(prepend).addAllNode(nodes)
                .clearInitializer().addAllInitializer(inits.values()).addAllInitializer(added);
        ModelProto kmeans = fp32.toBuilder().setGraph(g).setProducerName("tare quantize").build();
        return new Result(kmeans, uniformT.build(), uniformC.build(), out);
    }
}
