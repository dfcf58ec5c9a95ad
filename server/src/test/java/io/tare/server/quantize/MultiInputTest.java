package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.proto.onnx.AttributeProto;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TensorShapeProto;
import io.tare.proto.onnx.TypeProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with a float input {@code x} and an int64 input {@code input:ids} (a name that is no file
 * name), {@code y = MatMul(x + Cast(ids), W)}: quantize takes a directory with one file per input,
 * feeds the int64 input as int64 (to ONNX Runtime and to Tare's engine), calibrates only float
 * values, and refuses a set that does not describe every input the same number of times.
 */
class MultiInputTest {

    private static final int K = 8;
    private static final int N = 4;
    private static final int SAMPLES = 64;

    @TempDir
    Path tmp;

    private static TypeProto type(int elemType) {
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType)
                .setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("B"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(K)))).build();
    }

    private Path model(int opset) throws IOException {
        Random r = new Random(3);
        float[] w = new float[K * N];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        GraphProto g = GraphProto.newBuilder().setName("two_inputs")
                .addInput(ValueInfoProto.newBuilder().setName("x").setType(type(TensorProto.DataType.FLOAT_VALUE)))
                .addInput(ValueInfoProto.newBuilder().setName("input:ids").setType(type(TensorProto.DataType.INT64_VALUE)))
                .addOutput(ValueInfoProto.newBuilder().setName("y").setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))))
                .addInitializer(TensorProtos.floatTensor("W", new long[] {K, N}, w))
                .addNode(NodeProto.newBuilder().setOpType("Cast").addInput("input:ids").addOutput("idsf")
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(TensorProto.DataType.FLOAT_VALUE)))
                .addNode(NodeProto.newBuilder().setOpType("Add").addInput("x").addInput("idsf").addOutput("s"))
                // opset 11's Softmax flattens from axis 1; the upgrade to 13 must keep exactly that
                .addNode(NodeProto.newBuilder().setOpType("Softmax").addInput("s").addOutput("p")
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("p").addInput("W").addOutput("y"))
                .build();
        ModelProto m = ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset))
                .setGraph(g).build();
        return Files.write(tmp.resolve("two_inputs_" + opset + ".onnx"), m.toByteArray());
    }

    /** {@code x.npy} and {@code input_ids.npy} with {@code samples} rows each in a new directory. */
    private Path data(String name, int xRows, int idRows) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Random r = new Random(5);
        float[] x = new float[xRows * K];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        long[] ids = new long[idRows * K];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(3);
        }
        NpyFiles.writeFloats(dir.resolve("x.npy"), x, xRows, K);
        NpyFiles.writeLongs(dir.resolve("input_ids.npy"), ids, idRows, K);
        return dir;
    }

    private QuantizeOptions options(Path model, Path calibration) {
        return new QuantizeOptions().model(model).calibration(calibration).output(tmp.resolve("out/q.onnx")).method("minmax")
                .perChannel(true).sensitivitySamples(SAMPLES);
    }

    @Test
    void aDirectoryFeedsEveryInputAndTheExportRuns() throws IOException {
        for (int opset : new int[] {11, 13}) {
            QuantizationReport r = Quantizer.run(options(model(opset), data("calib" + opset, SAMPLES, SAMPLES)).engineCheck(true),
                    ProgressBar.SILENT);
            assertEquals(SAMPLES, r.calibrationSamples());
            assertEquals("int8", r.layers().getFirst().precision());
            assertTrue(r.evaluation().score().comparison().sqnrDb() > 25, "opset " + opset + ": " + r.evaluation().score());
            assertEquals(opset == 11, r.transforms().stream().anyMatch(t -> t.startsWith("opset 11 raised to 13")), r.transforms().toString());
            // the int64 input is fed, never calibrated: the only activation is the MatMul's float input
            assertEquals(1, r.activations().size());
            assertEquals("p", r.activations().getFirst().name());
            // Tare's engine takes the int64 input too and runs the same export
            assertTrue(r.evaluation().engine().agreementWithOrt() > 0.95, "engine vs ONNX Runtime: " + r.evaluation().engine());
        }
    }

    @Test
    void aSetThatDoesNotDescribeEveryInputIsRefused() throws IOException {
        Path model = model(13);
        String msg = assertThrows(QuantizeException.class,
                () -> Quantizer.run(options(model, data("uneven", SAMPLES, SAMPLES - 1)), ProgressBar.SILENT)).getMessage();
        assertTrue(msg.contains("input_ids.npy holds 63"), msg);
        Path single = data("single", SAMPLES, SAMPLES).resolve("x.npy");
        msg = assertThrows(QuantizeException.class, () -> Quantizer.run(options(model, single), ProgressBar.SILENT)).getMessage();
        assertTrue(msg.contains("give a directory") && msg.contains("input_ids.npy"), msg);
        Path missing = data("missing", SAMPLES, SAMPLES);
        Files.delete(missing.resolve("input_ids.npy"));
        msg = assertThrows(QuantizeException.class, () -> Quantizer.run(options(model, missing), ProgressBar.SILENT)).getMessage();
        assertTrue(msg.contains("no file for model input 'input:ids'"), msg);
        Path wrongType = data("wrongtype", SAMPLES, SAMPLES);
        NpyFiles.writeFloats(wrongType.resolve("input_ids.npy"), new float[SAMPLES * K], SAMPLES, K);
        msg = assertThrows(QuantizeException.class, () -> Quantizer.run(options(model, wrongType), ProgressBar.SILENT)).getMessage();
        assertTrue(msg.contains("holds FP32 elements") && msg.contains("takes INT64"), msg);
        assertFalse(Files.exists(tmp.resolve("out/q.onnx")), "a refused run wrote its output");
    }
}
