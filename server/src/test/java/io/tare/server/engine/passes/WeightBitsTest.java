package io.tare.server.engine.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ExecutionMode;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.RawData;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.TestFixtures;
import io.tare.server.engine.graph.Graph;
import io.tare.server.onnx.OnnxModelReader;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The weight bits of DYNAMIC and STATIC modes: 7 bits quantize each output channel to [-63, 63]
 * with scale max|w| / 63 (so the native AVX2 tier may take its VPMADDUBSW kernel), 8 bits (the
 * default) to [-127, 127] with max|w| / 127 as before; a 7-bit model keeps the FP32 model's top-1
 * on the real Fashion-MNIST models and differs from the 8-bit one (the option reaches the layers).
 */
class WeightBitsTest {
    private static final int IMAGES = 200;

    @Test
    void sevenBitsUseEveryLevelOfMinus63To63PerChannel() throws Exception {
        for (int bits : new int[] {7, 8}) {
            int qmax = bits == 7 ? 63 : 127;
            Graph float32 = new OnnxModelReader().read(TestFixtures.fixture("fmnist/mlp/fmnist_mlp_fp32.onnx"));
            Map<String, Tensor> floats = Map.copyOf(float32.initializers());
            assertTrue(new WeightQuantization(false, bits).apply(float32));
            int layers = 0;
            for (var e : float32.initializers().entrySet()) {
                if (!e.getKey().endsWith("/tare_int8")) {
                    continue;
                }
                layers++;
                String name = e.getKey().substring(0, e.getKey().length() - "/tare_int8".length());
                float[] w = floats.get(name).floats();
                byte[] q = e.getValue().bytes();
                float[] scales = float32.initializers().get(name + "/tare_int8_scale").floats();
                int channels = scales.length;
                int inner = q.length / channels;
                // the layer's weights are [out, in] with transB, else [in, out]
                boolean outerAxis = float32.nodes().stream().filter(n -> n.hasInput(3) && n.input(3).equals(e.getKey())).findFirst()
                        .orElseThrow().attributes().getInt("transB", 0) != 0;
                int[] maxPerChannel = new int[channels];
                float[] absMax = new float[channels];
                for (int i = 0; i < q.length; i++) {
                    int c = outerAxis ? i / inner : i % channels;
                    assertTrue(Math.abs(q[i]) <= qmax, name + " value " + q[i] + " at " + bits + " bits");
                    maxPerChannel[c] = Math.max(maxPerChannel[c], Math.abs(q[i]));
                    absMax[c] = Math.max(absMax[c], Math.abs(w[i]));
                }
                for (int c = 0; c < channels; c++) {
                    assertEquals(qmax, maxPerChannel[c], name + " channel " + c);
                    assertEquals(absMax[c] / qmax, scales[c], 0f, name + " scale " + c);
                }
            }
            assertEquals(3, layers);
        }
        assertThrows(IllegalArgumentException.class, () -> new WeightQuantization(false, 6));
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.DEFAULT.withWeightBits(4));
        assertEquals(8, EngineOptions.DEFAULT.weightBits());
    }

    @Test
    void sevenBitDynamicModelsKeepFp32Predictions() throws Exception {
        float[] x = RawData.floats(TestFixtures.fixture("fmnist/test_x.f32"), 0, IMAGES * 784);
        for (String model : List.of("fmnist/cnn/fmnist_rescnn_fp32.onnx", "fmnist/mlp/fmnist_mlp_fp32.onnx")) {
            int[] shape = model.contains("mlp") ? new int[] {IMAGES, 784} : new int[] {IMAGES, 1, 28, 28};
            EngineOptions dynamic = EngineOptions.DEFAULT.withMode(ExecutionMode.DYNAMIC);
            float[] fp32 = logits(Engine.load(TestFixtures.fixture(model), EngineOptions.DEFAULT), x, shape);
            float[] eight = logits(Engine.load(TestFixtures.fixture(model), dynamic), x, shape);
            float[] seven = logits(Engine.load(TestFixtures.fixture(model), dynamic.withWeightBits(7)), x, shape);
            assertFalse(Arrays.equals(eight, seven), model + ": 7-bit weights gave the 8-bit logits");
            int agree = 0;
            for (int i = 0; i < IMAGES; i++) {
                agree += RawData.argmax(fp32, i * 10, 10) == RawData.argmax(seven, i * 10, 10) ? 1 : 0;
            }
            System.out.printf("%s dynamic, 7-bit weights: top-1 agreement with FP32 %d/%d%n", model, agree, IMAGES);
            assertTrue(agree >= IMAGES * 0.98, model + " 7-bit agreement " + agree + "/" + IMAGES);
        }
    }

    private static float[] logits(LoadedModel m, float[] x, int[] shape) {
        String in = m.inputs().get(0).name();
        return m.run(Map.of(in, Tensor.ofFloats(shape, x))).get(m.outputs().get(0).name()).floats();
    }
}
