package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models quantized elsewhere (PyTorch QDQ fake-quant, PyTorch INT8 exports with Constant weights and
 * no-op Casts, ONNX Runtime's QOperator model with QLinearConv and com.microsoft QGemm) through the
 * engine, against ONNX Runtime on the same file and the same real test images: top-1 agreement at
 * least 99.9% and accuracy within 0.05 points of ONNX Runtime's.
 *
 * <p>ONNX Runtime runs with graph optimizations off, i.e. it executes the QDQ graph exactly as the
 * ONNX spec defines it. With optimizations on, ORT fuses QDQ into its u8s8 INT8 kernels, which on
 * CPUs without VNNI (AVX2 only, as on the machines here) sum pairs of u8 x s8 products in saturating
 * int16 (vpmaddubsw); for full-range int8 weights like torch's that loses accuracy: on the first 1000
 * Fashion-MNIST test images the ResCNN hist_pc model scores 0.874 in optimized ORT against 0.929 in
 * unoptimized ORT and in the engine. (The fixture README's 0.9178 on all 10,000 was measured where
 * ORT does not saturate.) Both ORT numbers are printed.
 */
class FixtureModelsQuantizedTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "digits/digits_cnn_qdq_fakequant.onnx, digits/test_x.f32, 1;8;8, 360",
        "digits/digits_cnn_int8_torch_qnnpack.onnx, digits/test_x.f32, 1;8;8, 360",
        "digits/digits_cnn_int8_torch_onednn.onnx, digits/test_x.f32, 1;8;8, 360",
        "digits/digits_cnn_qoperator_ort_extended.onnx, digits/test_x.f32, 1;8;8, 360",
        "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx, fmnist/test_x.f32, 1;28;28, 1000",
        "fmnist/cnn/fmnist_rescnn_int8_minmax_pt.onnx, fmnist/test_x.f32, 1;28;28, 1000",
        "fmnist/mlp/fmnist_mlp_int8_hist_pc.onnx, fmnist/test_x.f32, 784, 2000",
        "fmnist/mlp/fmnist_mlp_int8_minmax_pt.onnx, fmnist/test_x.f32, 784, 2000",
    })
    void agreesWithOnnxRuntime(String model, String data, String sampleShape, int images) throws Exception {
        Path modelPath = TestFixtures.fixture(model);
        int[] sample = Arrays.stream(sampleShape.split(";")).mapToInt(Integer::parseInt).toArray();
        int sampleSize = Arrays.stream(sample).reduce(1, (a, b) -> a * b);
        float[] x = RawData.floats(TestFixtures.fixture(data), 0, images * sampleSize);
        byte[] labels = RawData.bytes(TestFixtures.fixture(data.replace("test_x.f32", "test_y.u8")));
        LoadedModel engine = Engine.load(modelPath, EngineOptions.DEFAULT);
        java.util.List<String> ops = engine.plan().stepOpTypes();
        if (model.contains("int8")) {
            // torch INT8 exports quantize every layer input: every Conv/Gemm must run as an INT8 kernel
            assertTrue(ops.stream().noneMatch(o -> o.equals("Conv") || o.equals("Gemm") || o.equals("MatMul")),
                    model + " still runs float layers: " + ops);
        }
        if (model.contains("fakequant")) {
            // fc1 reads MaxPool(DequantizeLinear(..)) in float, as in ONNX Runtime's own conversion
            assertTrue(ops.stream().filter(o -> o.startsWith("tare:Int8")).count() == 3, model + ": " + ops);
        }
        String input = engine.inputs().get(0).name();
        String output = engine.outputs().get(0).name();
        int agree = 0;
        int engineCorrect = 0;
        int ortCorrect = 0;
        int optimizedOrtCorrect = 0;
        try (OrtReference ort = new OrtReference(modelPath, false);
                OrtReference optimizedOrt = new OrtReference(modelPath, true)) {
            int batch = 100;
            for (int start = 0; start < images; start += batch) {
                int n = Math.min(batch, images - start);
                float[] chunk = Arrays.copyOfRange(x, start * sampleSize, (start + n) * sampleSize);
                int[] shape = new int[sample.length + 1];
                shape[0] = n;
                System.arraycopy(sample, 0, shape, 1, sample.length);
                float[] expected = ort.run(input, chunk, shape);
                float[] optimized = optimizedOrt.run(input, chunk, shape);
                float[] got = engine.run(Map.of(input, Tensor.ofFloats(shape, chunk))).get(output).floats();
                int classes = expected.length / n;
                for (int i = 0; i < n; i++) {
                    int e = RawData.argmax(expected, i * classes, classes);
                    int a = RawData.argmax(got, i * classes, classes);
                    agree += e == a ? 1 : 0;
                    ortCorrect += e == labels[start + i] ? 1 : 0;
                    optimizedOrtCorrect += RawData.argmax(optimized, i * classes, classes) == labels[start + i] ? 1 : 0;
                    engineCorrect += a == labels[start + i] ? 1 : 0;
                }
            }
        }
        double agreement = agree / (double) images;
        double accuracyGap = Math.abs(engineCorrect - ortCorrect) / (double) images;
        System.out.printf("%s: top-1 agreement %d/%d, accuracy engine %.4f vs ONNX Runtime %.4f"
                + " (optimized ONNX Runtime %.4f)%n", model, agree, images, engineCorrect / (double) images,
                ortCorrect / (double) images, optimizedOrtCorrect / (double) images);
        assertTrue(agreement >= 0.999, model + ": top-1 agreement " + agree + "/" + images);
        assertTrue(accuracyGap <= 0.0005 + 1e-12, model + ": accuracy " + engineCorrect + " vs " + ortCorrect);
    }
}
