package io.tare.server.backend.tare;

import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.server.engine.quant.Int8LinearOps;
import io.tare.server.engine.quant.TapPoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts a {@code tare:TapPoint} after the producer of each given value and has every node that read
 * the value read the tap point's output instead, so the quantization tap sees values the float
 * graph never quantizes. Graph outputs keep their producer.
 */
final class TapPointInsertion {
    private static final String TAPPED_SUFFIX = "/tare_tapped";

    private TapPointInsertion() {
    }

    static ModelProto insert(ModelProto model, Set<String> values) {
        GraphProto g = model.getGraph();
        Map<String, String> tapped = new HashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            List<String> inputs = n.getInputList().stream().map(x -> tapped.getOrDefault(x, x)).toList();
            nodes.add(inputs.equals(n.getInputList()) ? n : n.toBuilder().clearInput().addAllInput(inputs).build());
            for (String out : n.getOutputList()) {
                if (values.contains(out)) {
                    String seen = out + TAPPED_SUFFIX;
                    nodes.add(NodeProto.newBuilder().setName(out + "/tare_tap_point").setOpType(TapPoint.OP)
                            .setDomain(Int8LinearOps.DOMAIN).addInput(out).addOutput(seen).build());
                    tapped.put(out, seen);
                }
            }
        }
        if (tapped.isEmpty()) {
            return model;
        }
        ModelProto.Builder m = model.toBuilder().setGraph(g.toBuilder().clearNode().addAllNode(nodes));
        if (m.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals(Int8LinearOps.DOMAIN))) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(Int8LinearOps.DOMAIN).setVersion(1));
        }
        return m.build();
    }
}
