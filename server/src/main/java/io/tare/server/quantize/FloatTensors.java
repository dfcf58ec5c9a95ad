package io.tare.server.quantize;

import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which values of a graph are FLOAT tensors computed at run time: the activations calibration can
 * record (and a TensorRT cache can describe). Element types come from the file's declared value
 * infos where present, otherwise from a small propagation: {@code Cast} gives its {@code to},
 * shape and index ops give INT64, comparisons give BOOL, {@code Constant} gives its value's type,
 * and everything else takes the type of its first typed input. An unknown type is simply not
 * recorded; it never fails the run.
 */
final class FloatTensors {

    private FloatTensors() {
    }

    /** Float run-time values in graph order: non-constant graph inputs, then node outputs. */
    static Set<String> of(GraphProto g) {
        Map<String, Integer> types = new HashMap<>();
        Set<String> constants = new java.util.HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            types.put(t.getName(), t.getDataType());
            constants.add(t.getName());
        }
        for (ValueInfoProto v : g.getValueInfoList()) {
            declare(types, v);
        }
        for (ValueInfoProto v : g.getOutputList()) {
            declare(types, v);
        }
        Set<String> out = new LinkedHashSet<>();
        for (ValueInfoProto v : g.getInputList()) {
            declare(types, v);
            if (!constants.contains(v.getName()) && isFloat(types.get(v.getName()))) {
                out.add(v.getName());
            }
        }
        for (NodeProto n : g.getNodeList()) {
            Integer inferred = outputType(n, types);
            for (String o : n.getOutputList()) {
                if (o.isEmpty()) {
                    continue;
                }
                types.putIfAbsent(o, inferred);
                if (isFloat(types.get(o)) && !n.getOpType().equals("Constant")) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    private static void declare(Map<String, Integer> types, ValueInfoProto v) {
        if (v.hasType() && v.getType().hasTensorType() && v.getType().getTensorType().hasElemType()) {
            types.put(v.getName(), v.getType().getTensorType().getElemType());
        }
    }

    private static boolean isFloat(Integer type) {
        return type != null && type == TensorProto.DataType.FLOAT_VALUE;
    }

    private static Integer outputType(NodeProto n, Map<String, Integer> types) {
        switch (n.getOpType()) {
            case "Cast":
                return (int) LayerFinder.intAttr(n, "to", 0);
            case "Shape", "Size", "NonZero", "ArgMax", "ArgMin", "TopK":
                return TensorProto.DataType.INT64_VALUE;
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf":
                return TensorProto.DataType.BOOL_VALUE;
            case "Constant":
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value")) {
                        return a.getT().getDataType();
                    }
                    if (a.getName().equals("value_float") || a.getName().equals("value_floats")) {
                        return TensorProto.DataType.FLOAT_VALUE;
                    }
                }
                return TensorProto.DataType.INT64_VALUE;
            case "ConstantOfShape":
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value")) {
                        return a.getT().getDataType();
                    }
                }
                return TensorProto.DataType.FLOAT_VALUE;
            case "QuantizeLinear", "DynamicQuantizeLinear":
                return null; // 8-bit outputs: not activations to calibrate
            case "Where":
                return n.getInputCount() > 1 ? types.get(n.getInput(1)) : null;
            default:
                for (String in : n.getInputList()) {
                    Integer t = types.get(in);
                    if (t != null) {
                        return t;
                    }
                }
                return null;
        }
    }
}
