package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real FP32 fixture models through the engine against ONNX Runtime on the same file and the
 * same real test images: every logit within 1e-4 relative (plus 1e-5 absolute for logits near
 * zero), at batch 1 and at a larger batch, and the same top-1 on every image compared.
 */
class FixtureModelsFp32Test {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "digits/digits_cnn_fp32.onnx, digits/test_x.f32, 1;8;8, 360, 0.9750",
        "fmnist/cnn/fmnist_rescnn_fp32.onnx, fmnist/test_x.f32, 1;28;28, 300, -1",
        "fmnist/cnn/fmnist_rescnn_fp32_bn.onnx, fmnist/test_x.f32, 1;28;28, 300, -1",
        "fmnist/mlp/fmnist_mlp_fp32.onnx, fmnist/test_x.f32, 784, 1000, -1",
    })
    void matchesOnnxRuntime(String model, String data, String sampleShape, int images, double expectedAccuracy)
            throws Exception {
        Path modelPath = TestFixtures.fixture(model);
        int[] sample = Arrays.stream(sampleShape.split(";")).mapToInt(Integer::parseInt).toArray();
        int sampleSize = Arrays.stream(sample).reduce(1, (a, b) -> a * b);
        float[] x = RawData.floats(TestFixtures.fixture(data), 0, images * sampleSize);
        LoadedModel engine = Engine.load(modelPath, EngineOptions.DEFAULT);
        String input = engine.inputs().get(0).name();
        String output = engine.outputs().get(0).name();
        byte[] labels = RawData.bytes(TestFixtures.fixture(data.replace("test_x.f32", "test_y.u8")));
        int correct = 0;
        try (OrtReference ort = new OrtReference(modelPath)) {
            int batch = 60;
            for (int start = 0; start < images; start += batch) {
                int n = Math.min(batch, images - start);
                // the first image also runs alone, to cover batch 1
                for (int b : start == 0 ? new int[] {1, n} : new int[] {n}) {
                    float[] chunk = Arrays.copyOfRange(x, start * sampleSize, (start + b) * sampleSize);
                    int[] shape = new int[sample.length + 1];
                    shape[0] = b;
                    System.arraycopy(sample, 0, shape, 1, sample.length);
                    float[] expected = ort.run(input, chunk, shape);
                    Tensor actual = engine.run(Map.of(input, Tensor.ofFloats(shape, chunk))).get(output);
                    assertEquals(expected.length, actual.size(), "output size");
                    float[] got = actual.floats();
                    for (int i = 0; i < expected.length; i++) {
                        double tol = ATOL + RTOL * Math.abs(expected[i]);
                        if (Math.abs(got[i] - expected[i]) > tol) {
                            throw new AssertionError(model + " image " + (start + i / 10) + " logit " + i % 10
                                    + ": engine " + got[i] + ", ONNX Runtime " + expected[i]);
                        }
                    }
                    if (b == n) {
                        int classes = expected.length / n;
                        for (int i = 0; i < n; i++) {
                            int p = RawData.argmax(got, i * classes, classes);
                            assertEquals(RawData.argmax(expected, i * classes, classes), p, "top-1 of image " + (start + i));
                            correct += p == labels[start + i] ? 1 : 0;
                        }
                    }
                }
            }
        }
        if (expectedAccuracy > 0) {
            assertEquals(expectedAccuracy, correct / (double) images, 1e-9, "accuracy on all test images");
        }
        assertTrue(correct > images * 0.8, "accuracy " + correct + "/" + images + " is implausibly low");
    }
}
