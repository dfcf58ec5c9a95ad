package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites an FP32 model into canonical QDQ form, the form ONNX Runtime, TensorRT and Tare's engine
 * all lower to integer kernels:
 * <pre>
 *   x ─QuantizeLinear(s_x, z_x)─DequantizeLinear─┐
 *   W_int8 ─DequantizeLinear(s_w[c], 0, axis)────┼─ Conv / Gemm / MatMul ─ y (float)
 *   b_int32 ─DequantizeLinear(s_x·s_w[c], 0)─────┘
 * </pre>
 * One Q/DQ pair per activation, shared by every quantized layer reading it; other readers of the
 * activation keep the float value, unless the plan quantizes the whole stream
 * ({@link ExportPlan#quantizeStream()}). Weight-only INT4 layers get a blocked {@code DequantizeLinear}
 * (opset 21) of a packed INT4 weight and keep float activations. Initializers left unread are
 * dropped. The exporter never runs the model; {@link OrtModelRunner} checks the result.
 */
public final class QdqExporter {

    /** Ops whose semantics are the same in opsets 13 and 21, so a model using only these may be raised to 21 for INT4. */
    private static final Set<String> SAME_IN_13_AND_21 = Set.of("Conv", "Gemm", "MatMul", "Relu", "Add", "Sub", "Mul",
            "Div", "Flatten", "Reshape", "GlobalAveragePool", "MaxPool", "AveragePool", "Softmax", "Transpose", "Gather",
            "Concat", "Identity", "Sigmoid", "Tanh", "Erf", "Sqrt", "Pow", "Cast", "Shape", "Unsqueeze", "Squeeze",
            "Where", "Equal", "LayerNormalization", "Gelu", "QuantizeLinear", "DequantizeLinear", "Constant",
            "ConstantOfShape", "Slice", "Expand", "Neg", "Exp", "Log", "Abs", "Clip", "LeakyRelu", "HardSigmoid",
            "BatchNormalization", "Dropout", "Max", "Min", "Range", "Less", "Greater", "Not");

    /** The export and what each layer's weight became. */
    public record Result(ModelProto model, Map<String, QuantizedWeight> weights) {
    }

    private QdqExporter() {
    }

    public static Result export(ModelProto fp32, ExportPlan plan) {
        GraphProto g = fp32.getGraph();
        if (plan.int8Layers().isEmpty() && plan.int4Layers().isEmpty()) {
            throw new QuantizeException("nothing to quantize: every quantizable layer is kept in FP32");
        }
        long opset = defaultOpset(fp32);
        if (opset < 13) {
            throw new QuantizeException("the model imports opset " + opset + "; QDQ export with per-channel weights needs"
                    + " opset 13 or newer (re-export the model with opset_version >= 13)");
        }
        boolean needs21 = !plan.int4Layers().isEmpty() && opset < 21;
        if (needs21) {
            for (NodeProto n : g.getNodeList()) {
                if (!SAME_IN_13_AND_21.contains(n.getOpType())) {
                    throw new QuantizeException("weight-only INT4 needs opset 21 (blocked DequantizeLinear); the model uses "
                            + n.getOpType() + " whose meaning changed after opset " + opset + ", so it cannot be raised safely");
                }
            }
        }
        Map<String, TensorProto> inits = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Map<Integer, QuantizableLayer> int8ByNode = new HashMap<>();
        Map<Integer, QuantizableLayer> int4ByNode = new HashMap<>();
        Set<String> quantizedActivations = new HashSet<>();
        for (QuantizableLayer l : plan.int8Layers()) {
            int8ByNode.put(l.nodeIndex(), l);
            if (!plan.activations().containsKey(l.activation())) {
                throw new QuantizeException("no calibrated scale for activation '" + l.activation() + "' of " + l.name());
            }
            quantizedActivations.add(l.activation());
        }
        if (plan.quantizeStream()) {
            quantizedActivations.addAll(plan.activations().keySet());
        }
        for (QuantizableLayer l : plan.int4Layers()) {
            if (!l.isMatrixProduct()) {
                throw new QuantizeException("weight-only INT4 applies to Gemm/MatMul, not " + l.opType() + " " + l.name());
            }
            int4ByNode.put(l.nodeIndex(), l);
        }
        List<TensorProto> newInits = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        Map<String, QuantizedWeight> weights = new LinkedHashMap<>();
        Map<String, String> dequantized = new HashMap<>();
        int activationType = plan.encoding() == ActivationEncoding.INT8_SYMMETRIC
                ? TensorProto.DataType.INT8_VALUE : TensorProto.DataType.UINT8_VALUE;
        for (ValueInfoProto in : g.getInputList()) {
            if (quantizedActivations.contains(in.getName())) {
                addActivationQdq(in.getName(), plan.activations().get(in.getName()), activationType, newInits, nodes, dequantized);
            }
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            QuantizableLayer l8 = int8ByNode.get(i);
            QuantizableLayer l4 = int4ByNode.get(i);
            if (l8 != null) {
                nodes.add(int8Layer(n, l8, plan, inits, newInits, nodes, dequantized, weights));
            } else if (l4 != null) {
                nodes.add(int4Layer(n, l4, plan, inits, newInits, nodes, weights));
            } else {
                nodes.add(plan.quantizeStream() ? readingDequantized(n, dequantized) : n);
            }
            for (String out : n.getOutputList()) {
                if (quantizedActivations.contains(out) && !dequantized.containsKey(out)) {
                    addActivationQdq(out, plan.activations().get(out), activationType, newInits, nodes, dequantized);
                }
            }
        }
        Set<String> read = new HashSet<>();
        for (NodeProto n : nodes) {
            read.addAll(n.getInputList());
        }
        for (ValueInfoProto o : g.getOutputList()) {
            read.add(o.getName());
        }
        GraphProto.Builder out = g.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        for (TensorProto t : inits.values()) {
            if (read.contains(t.getName())) {
                out.addInitializer(t);
            }
        }
        out.addAllInitializer(newInits);
        // stale shape annotations of rewired values would only confuse consumers; runtimes re-infer them
        out.clearValueInfo();
        ModelProto.Builder m = fp32.toBuilder().setGraph(out);
        if (needs21) {
            setDefaultOpset(m, 21);
        }
        if (!plan.int4Layers().isEmpty() && m.getIrVersion() < 10) {
            m.setIrVersion(10); // INT4 tensors exist from IR version 10
        }
        m.setProducerName("tare quantize");
        return new Result(m.build(), weights);
    }

    private static void addActivationQdq(String x, ScaleZeroPoint p, int type, List<TensorProto> inits, List<NodeProto> nodes,
                                         Map<String, String> dequantized) {
        String scale = x + "_scale";
        String zp = x + "_zero_point";
        String q = x + "_QuantizeLinear_Output";
        String dq = x + "_DequantizeLinear_Output";
        inits.add(TensorProtos.scalarFloat(scale, p.scale()));
        inits.add(TensorProtos.scalarZeroPoint(zp, type, p.zeroPoint()));
        nodes.add(node("QuantizeLinear", x + "_QuantizeLinear", List.of(x, scale, zp), q, null));
        nodes.add(node("DequantizeLinear", x + "_DequantizeLinear", List.of(q, scale, zp), dq, null));
        dequantized.put(x, dq);
    }

    /** {@code n} reading the dequantized value of every input that has one. */
    private static NodeProto readingDequantized(NodeProto n, Map<String, String> dequantized) {
        List<String> inputs = n.getInputList().stream().map(x -> dequantized.getOrDefault(x, x)).toList();
        return inputs.equals(n.getInputList()) ? n : n.toBuilder().clearInput().addAllInput(inputs).build();
    }

    private static NodeProto int8Layer(NodeProto n, QuantizableLayer l, ExportPlan plan, Map<String, TensorProto> inits,
                                       List<TensorProto> newInits, List<NodeProto> nodes, Map<String, String> dequantized,
                                       Map<String, QuantizedWeight> weights) {
        float[] w = TensorProtos.floats(inits.get(l.weight()));
        int axis = plan.perChannel() ? l.outputAxis() : -1;
        QuantizedWeight qw = WeightQuantizer.quantize(w, l.weightDims(), axis, 0, plan.weightBits());
        weights.put(l.name(), qw);
        String prefix = l.name() + "/" + l.weight();
        String wq = prefix + "_quantized";
        String ws = prefix + "_scale";
        String wz = prefix + "_zero_point";
        String wdq = prefix + "_DequantizeLinear_Output";
        long[] scaleDims = axis < 0 ? new long[0] : new long[] {l.outputChannels()};
        newInits.add(TensorProtos.byteTensor(wq, TensorProto.DataType.INT8_VALUE, l.weightDims(), qw.values()));
        newInits.add(TensorProtos.floatTensor(ws, scaleDims, qw.scales()));
        newInits.add(TensorProtos.byteTensor(wz, TensorProto.DataType.INT8_VALUE, scaleDims, new byte[qw.scales().length]));
        nodes.add(node("DequantizeLinear", prefix + "_DequantizeLinear", List.of(wq, ws, wz), wdq, axis < 0 ? null : (long) axis));
        List<String> inputs = new ArrayList<>(n.getInputList());
        inputs.set(0, dequantized.get(l.activation()));
        inputs.set(1, wdq);
        float[] bias = l.bias() == null ? null : TensorProtos.floats(inits.get(l.bias()));
        double[] means = plan.inputMeans().get(l.activation());
        if (means != null) {
            bias = BiasCorrection.correctedBias(l, w, qw.dequantize(l.weightDims()), bias, means);
        }
        if (bias != null) {
            float sx = plan.activations().get(l.activation()).scale();
            int c = l.outputChannels();
            float[] bs = new float[c];
            int[] bq = new int[c];
            for (int k = 0; k < c; k++) {
                bs[k] = sx * qw.scales()[axis < 0 ? 0 : k];
                bq[k] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, Math.rint(bias[k] / (double) bs[k])));
            }
            String bname = l.name() + "/" + (l.bias() == null ? "bias" : l.bias());
            newInits.add(TensorProtos.int32Tensor(bname + "_quantized", new long[] {c}, bq));
            newInits.add(TensorProtos.floatTensor(bname + "_scale", new long[] {c}, bs));
            newInits.add(TensorProtos.int32Tensor(bname + "_zero_point", new long[] {c}, new int[c]));
            nodes.add(node("DequantizeLinear", bname + "_DequantizeLinear",
                    List.of(bname + "_quantized", bname + "_scale", bname + "_zero_point"), bname + "_DequantizeLinear_Output", 0L));
            while (inputs.size() < 3) {
                inputs.add("");
            }
            inputs.set(2, bname + "_DequantizeLinear_Output");
        }
        return n.toBuilder().clearInput().addAllInput(inputs).build();
    }

    private static NodeProto int4Layer(NodeProto n, QuantizableLayer l, ExportPlan plan, Map<String, TensorProto> inits,
                                       List<TensorProto> newInits, List<NodeProto> nodes, Map<String, QuantizedWeight> weights) {
        float[] w = TensorProtos.floats(inits.get(l.weight()));
        QuantizedWeight qw = WeightQuantizer.quantize(w, l.weightDims(), l.inputAxis(), plan.int4Block(), 4);
        weights.put(l.name(), qw);
        String prefix = l.name() + "/" + l.weight();
        String wq = prefix + "_int4";
        String ws = prefix + "_int4_scale";
        String wdq = prefix + "_DequantizeLinear_Output";
        WeightQuantizer.Layout layout = new WeightQuantizer.Layout(l.weightDims(), l.inputAxis(), plan.int4Block());
        newInits.add(TensorProtos.int4Tensor(wq, l.weightDims(), qw.values()));
        newInits.add(TensorProtos.floatTensor(ws, layout.scaleDims(), qw.scales()));
        NodeProto.Builder dq = NodeProto.newBuilder().setOpType("DequantizeLinear").setName(prefix + "_DequantizeLinear")
                .addInput(wq).addInput(ws).addOutput(wdq)
                .addAttribute(intAttribute("axis", l.inputAxis()))
                .addAttribute(intAttribute("block_size", plan.int4Block()));
        nodes.add(dq.build());
        List<String> inputs = new ArrayList<>(n.getInputList());
        inputs.set(1, wdq);
        return n.toBuilder().clearInput().addAllInput(inputs).build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output, Long axis) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
        if (axis != null) {
            b.addAttribute(intAttribute("axis", axis));
        }
        return b.build();
    }

    private static AttributeProto intAttribute(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static long defaultOpset(ModelProto m) {
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        throw new QuantizeException("the model imports no default-domain opset");
    }

    private static void setDefaultOpset(ModelProto.Builder m, long version) {
        for (int i = 0; i < m.getOpsetImportCount(); i++) {
            OperatorSetIdProto o = m.getOpsetImport(i);
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                m.setOpsetImport(i, o.toBuilder().setVersion(version));
            }
        }
    }
}
