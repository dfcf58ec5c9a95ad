package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TensorShapeProto;
import io.tare.proto.onnx.TypeProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear error and leaves no output (not even a temporary file) behind. */
class BadInputTest {

    @TempDir
    Path tmp;

    private Path out() {
        return tmp.resolve("out/q.onnx");
    }

    private QuantizeOptions options(Path model, Path calibration) {
        return new QuantizeOptions().model(model).calibration(calibration).output(out())
                .trtCache(tmp.resolve("out/q.cache")).reportDir(tmp.resolve("out/report")).sensitivitySamples(32);
    }

    private String fails(QuantizeOptions o) throws IOException {
        QuantizeException e = assertThrows(QuantizeException.class, () -> Quantizer.run(o, ProgressBar.SILENT));
        Path dir = tmp.resolve("out");
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                assertFalse(files.anyMatch(Files::isRegularFile), "a failed run wrote files under " + dir);
            }
        }
        return e.getMessage();
    }

    private Path floats(String name, float... values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return Files.write(tmp.resolve(name), b.array());
    }

    @Test
    void modelWithoutQuantizableLayer() throws IOException {
        TypeProto t = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)
                .setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4)))).build();
        ModelProto m = ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .setGraph(GraphProto.newBuilder().setName("relu").addInput(ValueInfoProto.newBuilder().setName("x").setType(t))
                        .addOutput(ValueInfoProto.newBuilder().setName("y").setType(t))
                        .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"))).build();
        Path model = Files.write(tmp.resolve("relu.onnx"), m.toByteArray());
        String msg = fails(options(model, floats("x.f32", 1, 2, 3, 4)));
        assertTrue(msg.contains("no quantizable layer"), msg);
    }

    @Test
    void calibrationOfTheWrongShape() throws IOException {
        String msg = fails(options(FmnistFixtures.cnn(), FmnistFixtures.calibration()).shape(new int[] {1, 28, 27}));
        assertTrue(msg.contains("does not fit model input") || msg.contains("whole number"), msg);
        msg = fails(options(FmnistFixtures.cnn(), floats("short.f32", 1, 2, 3)));
        assertTrue(msg.contains("not a whole number of FP32 samples"), msg);
    }

    @Test
    void calibrationWithNanOrInfinity() throws IOException {
        float[] data = new float[2 * 784];
        data[784 + 5] = Float.NaN;
        String msg = fails(options(FmnistFixtures.mlp(), floats("nan.f32", data)));
        assertTrue(msg.contains("sample 1") && msg.contains("NaN"), msg);
        data[784 + 5] = Float.POSITIVE_INFINITY;
        msg = fails(options(FmnistFixtures.mlp(), floats("inf.f32", data)));
        assertTrue(msg.contains("Infinity"), msg);
    }

    @Test
    void emptyOrMissingFiles() throws IOException {
        String msg = fails(options(FmnistFixtures.mlp(), Files.createFile(tmp.resolve("empty.f32"))));
        assertTrue(msg.contains("is empty"), msg);
        msg = fails(options(FmnistFixtures.mlp(), tmp.resolve("missing.f32")));
        assertTrue(msg.contains("does not exist"), msg);
        msg = fails(options(Files.createFile(tmp.resolve("empty.onnx")), FmnistFixtures.calibration()));
        assertTrue(msg.contains("no graph"), msg);
    }

    @Test
    void npyOfTheWrongDtype() throws IOException {
        Path npy = NpyFiles.write(tmp.resolve("doubles.npy"), "<f8", new long[] {1, 784},
                ByteBuffer.allocate(784 * 8));
        String msg = fails(options(FmnistFixtures.mlp(), npy));
        assertTrue(msg.contains("holds FP64 elements") && msg.contains("takes FP32"), msg);
    }

    @Test
    void labelsThatDoNotMatchTheData() throws IOException {
        Path labels = Files.write(tmp.resolve("labels.u8"), new byte[7]);
        String msg = fails(options(FmnistFixtures.mlp(), FmnistFixtures.calibration()).data(FmnistFixtures.calibration())
                .labels(labels).accuracyBudget(0.01));
        assertTrue(msg.contains("7 labels for 512 samples"), msg);
    }
}
