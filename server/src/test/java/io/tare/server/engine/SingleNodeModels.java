package io.tare.server.engine;

import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TypeProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes one-node ONNX models (float input "x", constant float initializers, one float output
 * "y") to temporary files, so that an operator can be checked against ONNX Runtime over attribute
 * combinations the shared node tests do not cover.
 */
final class SingleNodeModels {
    private SingleNodeModels() {
    }

    /** A node under construction. */
    static final class Builder {
        private final NodeProto.Builder node;
        private final GraphProto.Builder graph = GraphProto.newBuilder().setName("single");
        private final int opset;

        Builder(String opType, int opset, int[] inputShape) {
            this.opset = opset;
            this.node = NodeProto.newBuilder().setOpType(opType).setName(opType.toLowerCase()).addInput("x")
                    .addOutput("y");
            graph.addInput(ValueInfoProto.newBuilder().setName("x").setType(floatType(inputShape)));
            graph.addOutput(ValueInfoProto.newBuilder().setName("y").setType(floatType(null)));
        }

        /** Adds a float constant as the next input; an empty name adds an omitted input. */
        Builder constant(String name, int[] shape, float[] values) {
            if (name.isEmpty()) {
                node.addInput("");
                return this;
            }
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
            for (int d : shape) {
                t.addDims(d);
            }
            for (float v : values) {
                t.addFloatData(v);
            }
            graph.addInitializer(t);
            node.addInput(name);
            return this;
        }

        /** Adds an INT64 constant as the next input (Resize sizes). */
        Builder int64s(String name, long... values) {
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7).addDims(values.length);
            for (long v : values) {
                t.addInt64Data(v);
            }
            graph.addInitializer(t);
            node.addInput(name);
            return this;
        }

        Builder ints(String name, long... values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            node.addAttribute(a);
            return this;
        }

        Builder integer(String name, long value) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
                    .setI(value));
            return this;
        }

        Builder real(String name, float value) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                    .setF(value));
            return this;
        }

        Builder string(String name, String value) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                    .setS(com.google.protobuf.ByteString.copyFromUtf8(value)));
            return this;
        }

        /** Writes the model to a fresh temporary file. */
        Path write() throws IOException {
            ModelProto model = ModelProto.newBuilder().setIrVersion(8)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                    .setGraph(graph.clone().addNode(node)).build();
            Path file = Files.createTempFile("tare-single-node", ".onnx");
            file.toFile().deleteOnExit();
            Files.write(file, model.toByteArray());
            return file;
        }
    }

    private static TypeProto floatType(int[] shape) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(1);
        if (shape != null) {
            io.tare.proto.onnx.TensorShapeProto.Builder s = io.tare.proto.onnx.TensorShapeProto.newBuilder();
            for (int d : shape) {
                s.addDim(io.tare.proto.onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            t.setShape(s);
        }
        return TypeProto.newBuilder().setTensorType(t).build();
    }

    /** Runs {@code model} on {@code x} in the engine and in ONNX Runtime; returns {engine, ort}. */
    static float[][] runBoth(Path model, float[] x, int[] shape) throws Exception {
        LoadedModel engine = Engine.load(model, EngineOptions.DEFAULT);
        float[] ours = engine.run(Map.of("x", Tensor.ofFloats(shape, x))).get("y").floats();
        try (OrtReference ort = new OrtReference(model)) {
            return new float[][] {ours, ort.run("x", x, shape)};
        }
    }
}
