package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transformer-style block built by code, {@code MatMul(x, W1) + b -> Relu -> MatMul(., W2)},
 * where W is {@code [K, N]} (output channels on axis 1, input rows on axis 0, unlike Gemm with
 * transB): INT8 QDQ, smoothing and INT4 blocks along K must all run in ONNX Runtime and stay close to FP32.
 */
class MatMulModelTest {

    private static final int K = 64;
    private static final int H = 48;
    private static final int N = 16;

    @TempDir
    Path tmp;

    private static TypeProto floatType(String batch, int width) {
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)
                .setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)))).build();
    }

    private static float[] gaussian(Random r, int n, double std) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * std);
        }
        return f;
    }

    private Path model() throws IOException {
        Random r = new Random(7);
        GraphProto g = GraphProto.newBuilder().setName("mm")
                .addInput(ValueInfoProto.newBuilder().setName("x").setType(floatType("B", K)))
                .addOutput(ValueInfoProto.newBuilder().setName("y").setType(floatType("B", N)))
                .addInitializer(TensorProtos.floatTensor("W1", new long[] {K, H}, gaussian(r, K * H, 0.2)))
                .addInitializer(TensorProtos.floatTensor("b1", new long[] {H}, gaussian(r, H, 0.1)))
                .addInitializer(TensorProtos.floatTensor("W2", new long[] {H, N}, gaussian(r, H * N, 0.2)))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm1").addInput("x").addInput("W1").addOutput("h0"))
                .addNode(NodeProto.newBuilder().setOpType("Add").setName("add1").addInput("h0").addInput("b1").addOutput("h1"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("h1").addOutput("h2"))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("mm2").addInput("h2").addInput("W2").addOutput("y"))
                .build();
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .setGraph(g).build();
        return Files.write(tmp.resolve("mm.onnx"), m.toByteArray());
    }

    /** 256 samples with three outlier input features (x20), the case smoothing exists for. */
    private Path data() throws IOException {
        Random r = new Random(11);
        float[] x = gaussian(r, 256 * K, 1.0);
        for (int s = 0; s < 256; s++) {
            for (int j : new int[] {3, 17, 40}) {
                x[s * K + j] *= 20;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return Files.write(tmp.resolve("x.f32"), b.array());
    }

    private QuantizationReport quantize(QuantizeOptions o) {
        return Quantizer.run(o.batch(64).sensitivitySamples(256), ProgressBar.SILENT);
    }

    @Test
    void int8SmoothingAndInt4RunInOnnxRuntime() throws IOException {
        Path model = model();
        Path data = data();
        QuantizationReport plain = quantize(new QuantizeOptions().model(model).calibration(data).output(tmp.resolve("q.onnx"))
                .method("minmax").perChannel(true).reduceRange(true));
        assertEquals(2, plain.layers().size());
        assertEquals(2, plain.activations().size());
        double plainSqnr = plain.evaluation().score().comparison().sqnrDb();
        assertTrue(plainSqnr > 20, "INT8 MatMul output SQNR " + plainSqnr);

        QuantizationReport smooth = quantize(new QuantizeOptions().model(model).calibration(data).output(tmp.resolve("s.onnx"))
                .method("minmax").perChannel(true).reduceRange(true).smooth(0.5));
        double smoothSqnr = smooth.evaluation().score().comparison().sqnrDb();
        // migrating the x20 input channels into the weights must help per-tensor activation quantization
        assertTrue(smoothSqnr > plainSqnr + 3, "smoothing " + smoothSqnr + " dB vs plain " + plainSqnr + " dB");

        QuantizationReport int4 = quantize(new QuantizeOptions().model(model).calibration(data).output(tmp.resolve("w4.onnx"))
                .int4Group(16));
        assertTrue(int4.layers().stream().allMatch(l -> l.precision().equals("int4-weight-only")));
        assertTrue(int4.evaluation().score().comparison().sqnrDb() > 15, int4.evaluation().toString());
    }
}
