package io.tare.server.quantize;

import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Raises a model that imports default-domain opset 11 or 12 to opset 13, the first whose
 * QuantizeLinear/DequantizeLinear take per-channel scales. Many exported transformers (all-MiniLM-L6-v2
 * among them) are opset 11. Only what changed meaning between 11 and 13 is rewritten:
 * <ul>
 *   <li>{@code Unsqueeze}, {@code Squeeze}, {@code ReduceSum}: the {@code axes} attribute becomes an
 *       int64 initializer input;</li>
 *   <li>{@code Split}: the {@code split} attribute becomes an input;</li>
 *   <li>{@code Softmax}, {@code LogSoftmax}, {@code Hardmax}: opset 11 defines them on the input
 *       flattened to 2-D at {@code axis}, opset 13 along one axis; the old definition is spelled out
 *       exactly as {@code Reshape(Softmax(Flatten(x, axis), axis=-1), Shape(x))}, so the rank of
 *       {@code x} need not be known.</li>
 * </ul>
 * Every other op must be in {@link #UNCHANGED} (ops whose opset-13 versions only add types); any other
 * op fails the upgrade with a message that names it, rather than risking a silently different model.
 */
final class OpsetUpgrade {

    static final long TARGET = 13;

    /** Ops that mean the same at opsets 11, 12 and 13 (their newer versions add element types only). */
    private static final Set<String> UNCHANGED = Set.of("Conv", "Gemm", "MatMul", "Relu", "Add", "Sub", "Mul", "Div",
            "Flatten", "Reshape", "GlobalAveragePool", "MaxPool", "AveragePool", "Transpose", "Gather", "Concat",
            "Identity", "Sigmoid", "Tanh", "Erf", "Sqrt", "Pow", "Cast", "Shape", "Where", "Equal", "Constant",
            "ConstantOfShape", "Slice", "Expand", "Neg", "Exp", "Log", "Abs", "Clip", "LeakyRelu", "BatchNormalization",
            "Max", "Min", "Range", "Less", "Greater", "Not", "ReduceMean", "ReduceMax", "ReduceMin", "Tile", "Pad", "Floor",
            "Ceil", "Reciprocal", "Size", "NonZero", "ArgMax", "ArgMin", "TopK", "GatherElements", "ScatterElements");
    private static final Set<String> AXES_TO_INPUT = Set.of("Unsqueeze", "Squeeze", "ReduceSum");
    private static final Set<String> SOFTMAX_LIKE = Set.of("Softmax", "LogSoftmax", "Hardmax");

    private OpsetUpgrade() {
    }

    /** True when the model's default-domain opset is below {@link #TARGET}. */
    static boolean needed(ModelProto m) {
        return QdqExporter.defaultOpset(m) < TARGET;
    }

    /**
     * @return the model at opset 13, with a line for {@code transforms}
     * @throws QuantizeException for an opset below 11 or an op whose meaning changed and is not rewritten here
     */
    static ModelProto apply(ModelProto m, List<String> transforms) {
        long from = QdqExporter.defaultOpset(m);
        if (from < 11) {
            throw new QuantizeException("the model imports opset " + from + "; quantize raises opset 11 and 12 to 13,"
                    + " older models need re-exporting with opset_version >= 13");
        }
        GraphProto g = m.getGraph();
        GraphProto.Builder out = g.toBuilder().clearNode();
        List<TensorProto> added = new ArrayList<>();
        int rewritten = 0;
        for (NodeProto n : g.getNodeList()) {
            String op = n.getOpType();
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                out.addNode(n);
            } else if (AXES_TO_INPUT.contains(op) || op.equals("Split")) {
                String attr = op.equals("Split") ? "split" : "axes";
                AttributeProto a = attribute(n, attr);
                if (a == null) {
                    out.addNode(n);
                    continue;
                }
                if (n.getInputCount() != 1) {
                    throw new QuantizeException(op + " node '" + n.getName() + "' has both a " + attr + " attribute and input");
                }
                String name = (n.getName().isEmpty() ? op : n.getName()) + "_" + attr + "_opset13_" + rewritten;
                added.add(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                        .addDims(a.getIntsCount()).addAllInt64Data(a.getIntsList()).build());
                NodeProto.Builder b = n.toBuilder().clearAttribute();
                n.getAttributeList().stream().filter(x -> !x.getName().equals(attr)).forEach(b::addAttribute);
                out.addNode(b.addInput(name));
                rewritten++;
            } else if (SOFTMAX_LIKE.contains(op)) {
                AttributeProto a = attribute(n, "axis");
                long axis = a == null ? 1 : a.getI(); // opset 11's default
                String base = (n.getName().isEmpty() ? op : n.getName()) + "_opset13_" + rewritten;
                String x = n.getInput(0);
                out.addNode(NodeProto.newBuilder().setOpType("Shape").setName(base + "_shape").addInput(x).addOutput(base + "_shape"));
                out.addNode(NodeProto.newBuilder().setOpType("Flatten").setName(base + "_flatten").addInput(x)
                        .addOutput(base + "_2d").addAttribute(AttributeProto.newBuilder().setName("axis")
                                .setType(AttributeProto.AttributeType.INT).setI(axis)));
                out.addNode(n.toBuilder().clearAttribute().setInput(0, base + "_2d").setOutput(0, base + "_2d_out")
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1)));
                out.addNode(NodeProto.newBuilder().setOpType("Reshape").setName(base + "_reshape").addInput(base + "_2d_out")
                        .addInput(base + "_shape").addOutput(n.getOutput(0)));
                rewritten++;
            } else if (UNCHANGED.contains(op)) {
                out.addNode(n);
            } else {
                throw new QuantizeException("the model is opset " + from + " and uses " + op + ", whose meaning at opset 13 is not"
                        + " checked here; re-export it with opset_version >= 13 for a QDQ export");
            }
        }
        out.addAllInitializer(added);
        ModelProto.Builder b = m.toBuilder().setGraph(out);
        for (int i = 0; i < b.getOpsetImportCount(); i++) {
            OperatorSetIdProto o = b.getOpsetImport(i);
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                b.setOpsetImport(i, o.toBuilder().setVersion(TARGET));
            }
        }
        if (b.getIrVersion() < 7) {
            b.setIrVersion(7); // opset 13 needs IR version 7
        }
        transforms.add("opset " + from + " raised to " + TARGET + " (per-channel Q/DQ needs 13): " + rewritten
                + " nodes rewritten (axes/split attributes moved to inputs, softmax spelled out on the flattened input)");
        return b.build();
    }

    private static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }
}
