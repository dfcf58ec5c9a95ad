package io.tare.kernels.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX backend node test folder: the node (op type, attributes) from model.onnx and the
 * tensors of test_data_set_0. Reads ModelProto.graph(7) -> GraphProto.node(1) ->
 * NodeProto{input 1, output 2, op_type 4, attribute 5} -> AttributeProto{name 1, f 2, i 3, s 4,
 * t 5, floats 7, ints 8}. Test code only.
 */
final class OnnxNodeCase {
    final String name;
    final String opType;
    final List<String> inputNames = new ArrayList<>();
    final Map<String, Long> ints = new HashMap<>();
    final Map<String, Float> floats = new HashMap<>();
    final Map<String, long[]> intLists = new HashMap<>();
    final Map<String, String> strings = new HashMap<>();
    final List<OnnxTensor> inputs = new ArrayList<>();
    final List<OnnxTensor> outputs = new ArrayList<>();

    private OnnxNodeCase(String name, String opType) {
        this.name = name;
        this.opType = opType;
    }

    /** The shared node-test folder, failing loudly when the shared directory is missing. */
    static Path root() {
        String shared = System.getProperty("tare.shared.dir");
        if (shared == null) {
            throw new IllegalStateException("system property tare.shared.dir is not set");
        }
        Path root = Path.of(shared, "onnx-node-tests");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("ONNX node tests not found at " + root);
        }
        return root;
    }

    static OnnxNodeCase load(String testName) throws IOException {
        Path dir = root().resolve(testName);
        WireReader model = new WireReader(Files.readAllBytes(dir.resolve("model.onnx")));
        OnnxNodeCase c = null;
        while (model.hasMore()) {
            if (model.nextTag() == 7) {
                WireReader graph = model.message();
                while (graph.hasMore()) {
                    if (graph.nextTag() == 1 && c == null) {
                        c = parseNode(testName, graph.message());
                    } else {
                        graph.skip();
                    }
                }
            } else {
                model.skip();
            }
        }
        if (c == null) {
            throw new IOException(testName + ": no node in model.onnx");
        }
        Path data = dir.resolve("test_data_set_0");
        for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
            c.inputs.add(OnnxTensor.parse(Files.readAllBytes(data.resolve("input_" + i + ".pb"))));
        }
        for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) {
            c.outputs.add(OnnxTensor.parse(Files.readAllBytes(data.resolve("output_" + i + ".pb"))));
        }
        return c;
    }

    private static OnnxNodeCase parseNode(String testName, WireReader node) {
        List<String> in = new ArrayList<>();
        String op = null;
        List<WireReader> attrs = new ArrayList<>();
        while (node.hasMore()) {
            switch (node.nextTag()) {
                case 1 -> in.add(node.string());
                case 4 -> op = node.string();
                case 5 -> attrs.add(node.message());
                default -> node.skip();
            }
        }
        OnnxNodeCase c = new OnnxNodeCase(testName, op);
        c.inputNames.addAll(in);
        for (WireReader a : attrs) {
            String name = null;
            Long i = null;
            Float f = null;
            String s = null;
            List<Long> list = new ArrayList<>();
            while (a.hasMore()) {
                switch (a.nextTag()) {
                    case 1 -> name = a.string();
                    case 2 -> f = Float.intBitsToFloat(a.fixed32());
                    case 3 -> i = a.varint();
                    case 4 -> s = a.string();
                    case 8 -> a.varints(list);
                    default -> a.skip();
                }
            }
            if (i != null) {
                c.ints.put(name, i);
            }
            if (f != null) {
                c.floats.put(name, f);
            }
            if (s != null) {
                c.strings.put(name, s);
            }
            if (!list.isEmpty()) {
                c.intLists.put(name, list.stream().mapToLong(Long::longValue).toArray());
            }
        }
        return c;
    }

    long attr(String name, long dflt) {
        return ints.getOrDefault(name, dflt);
    }

    float attr(String name, float dflt) {
        return floats.getOrDefault(name, dflt);
    }

    /** The i-th input, or null when the node leaves that optional input empty or absent. */
    OnnxTensor input(int i) {
        if (i >= inputNames.size() || inputNames.get(i).isEmpty()) {
            return null;
        }
        int idx = 0;
        for (int j = 0; j < i; j++) {
            if (!inputNames.get(j).isEmpty()) {
                idx++;
            }
        }
        return idx < inputs.size() ? inputs.get(idx) : null;
    }
}
