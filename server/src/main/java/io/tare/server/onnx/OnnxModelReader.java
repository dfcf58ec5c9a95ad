package io.tare.server.onnx;

import com.google.protobuf.CodedInputStream;
import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TensorShapeProto;
import io.tare.proto.onnx.TypeProto;
import io.tare.proto.onnx.ValueInfoProto;
import io.tare.server.engine.DataType;
import io.tare.server.engine.InvalidModelException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.UnsupportedModelException;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.UndecodedAttribute;
import io.tare.server.engine.graph.ValueInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX file into the engine's {@link Graph}.
 *
 * <p>It decodes what is there and checks that the file is well formed (every value read is
 * produced somewhere, names are unique, tensors hold as many elements as their shapes say). It does
 * not judge whether the engine can run the graph: that is {@code GraphValidator}'s job, so that the
 * error a user sees names the first unsupported operator rather than some detail of decoding.
 * Stateless and thread-safe.
 */
public final class OnnxModelReader {

    /** Reads {@code file}; external data is looked up next to it. */
    public Graph read(Path file) {
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return convert(model, new TensorProtoCodec(dir), file.toString());
    }

    /** Converts an in-memory model; external data is rejected. */
    public Graph read(ModelProto model) {
        return convert(model, new TensorProtoCodec(null), "<memory>");
    }

    private Graph convert(ModelProto model, TensorProtoCodec codec, String source) {
        if (!model.hasGraph()) {
            throw new InvalidModelException(source + " holds no graph (is it an ONNX model?)");
        }
        Map<String, Integer> opsets = new HashMap<>();
        for (OperatorSetIdProto op : model.getOpsetImportList()) {
            opsets.put(Node.normalizeDomain(op.getDomain()), Math.toIntExact(op.getVersion()));
        }
        if (opsets.isEmpty()) {
            throw new InvalidModelException(source + " imports no opset");
        }
        GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) {
            throw new UnsupportedModelException("sparse initializers are not supported (first: '"
                    + g.getSparseInitializer(0).getValues().getName() + "')");
        }
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), codec.decode(t));
        }
        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!initializers.containsKey(v.getName())) { // IR < 4 lists initializers as inputs too
                inputs.add(valueInfo(v));
            }
        }
        List<ValueInfo> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.add(valueInfo(v));
        }
        List<Node> nodes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            String name = n.getName();
            if (name.isEmpty() || !names.add(name)) {
                name = (name.isEmpty() ? n.getOpType() : name) + "#" + i;
                names.add(name);
            }
            Map<String, Object> attrs = new LinkedHashMap<>();
            for (AttributeProto a : n.getAttributeList()) {
                attrs.put(a.getName(), attribute(a, codec));
            }
            nodes.add(new Node(name, n.getOpType(), n.getDomain(), n.getInputList(), n.getOutputList(),
                    new Attributes(attrs)));
        }
        checkWellFormed(nodes, initializers, inputs, outputs, source);
        return new Graph(nodes, initializers, inputs, outputs, opsets);
    }

    private static void checkWellFormed(List<Node> nodes, Map<String, Tensor> initializers,
            List<ValueInfo> inputs, List<ValueInfo> outputs, String source) {
        Set<String> defined = new HashSet<>(initializers.keySet());
        for (ValueInfo v : inputs) {
            defined.add(v.name());
        }
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new InvalidModelException(source + ": " + n.describe() + " reads '" + in
                            + "', which no earlier node, input or initializer defines"
                            + " (the graph must be topologically sorted)");
                }
            }
            for (String out : n.outputs()) {
                if (!out.isEmpty() && !defined.add(out)) {
                    throw new InvalidModelException(source + ": value '" + out + "' is defined twice");
                }
            }
        }
        for (ValueInfo v : outputs) {
            if (!defined.contains(v.name())) {
                throw new InvalidModelException(source + ": graph output '" + v.name() + "' is never produced");
            }
        }
    }

    private static ValueInfo valueInfo(ValueInfoProto v) {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            // kept undecided here so that the validator can name the operator that makes it first
            return new ValueInfo(v.getName(), null, new long[0], null);
        }
        TypeProto.Tensor tt = type.getTensorType();
        DataType dt = DataType.fromOnnx(tt.getElemType());
        if (!tt.hasShape()) {
            return new ValueInfo(v.getName(), dt, new long[0], null);
        }
        List<TensorShapeProto.Dimension> dims = tt.getShape().getDimList();
        long[] sizes = new long[dims.size()];
        List<String> dimNames = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            sizes[i] = d.hasDimValue() ? d.getDimValue() : -1;
            dimNames.add(d.hasDimParam() ? d.getDimParam() : null);
        }
        return new ValueInfo(v.getName(), dt, sizes, dimNames);
    }

    private static Object attribute(AttributeProto a, TensorProtoCodec codec) {
        AttributeProto.AttributeType type = a.getType();
        if (type == AttributeProto.AttributeType.UNDEFINED) {
            type = guessType(a); // IR < 3 files may leave the type out
        }
        return switch (type) {
            case FLOAT -> a.getF();
            case INT -> a.getI();
            case STRING -> a.getS().toString(StandardCharsets.UTF_8);
            case TENSOR -> codec.decode(a.getT());
            case FLOATS -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield f;
            }
            case INTS -> {
                long[] l = new long[a.getIntsCount()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = a.getInts(i);
                }
                yield l;
            }
            case STRINGS -> {
                String[] s = new String[a.getStringsCount()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = a.getStrings(i).toString(StandardCharsets.UTF_8);
                }
                yield s;
            }
            default -> new UndecodedAttribute(type.name());
        };
    }

    private static AttributeProto.AttributeType guessType(AttributeProto a) {
        if (a.hasF()) {
            return AttributeProto.AttributeType.FLOAT;
        } else if (a.hasI()) {
            return AttributeProto.AttributeType.INT;
        } else if (a.hasS()) {
            return AttributeProto.AttributeType.STRING;
        } else if (a.hasT()) {
            return AttributeProto.AttributeType.TENSOR;
        } else if (a.getFloatsCount() > 0) {
            return AttributeProto.AttributeType.FLOATS;
        } else if (a.getIntsCount() > 0) {
            return AttributeProto.AttributeType.INTS;
        } else if (a.getStringsCount() > 0) {
            return AttributeProto.AttributeType.STRINGS;
        }
        return AttributeProto.AttributeType.UNDEFINED;
    }
}
