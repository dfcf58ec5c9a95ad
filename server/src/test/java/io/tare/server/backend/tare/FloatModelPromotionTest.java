package io.tare.server.backend.tare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.calibration.CalibrationFixtures;
import io.tare.server.engine.DataType;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;
import io.tare.server.quantize.ModelProtoFile;
import io.tare.server.quantize.QdqPromotion;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A float model that calibration promotes: its tapped build shows the tap the residual joins the
 * promotion will quantize without changing a bit of the answers, and the promoted build is the
 * fused 8-bit graph (8-bit residual adds, no float Add left) that scores like the float model.
 * Fashion-MNIST ResCNN FP32, scales from min/max over 512 calibration images.
 */
class FloatModelPromotionTest {
    private static final int PIXELS = 784;
    private static final int BATCH = 32;

    @Test
    void tappedBuildSeesTheJoinsAndPromotedBuildRunsThemIn8Bits() throws Exception {
        Path file = CalibrationFixtures.fixture("fmnist/cnn/fmnist_rescnn_fp32.onnx");
        TareEngineModels models = new TareEngineModels(file, TareModelParameters.from(Map.of("mode", "dynamic")));
        Set<String> joins = QdqPromotion.joinValues(ModelProtoFile.read(file));
        // three residual stages: each one's last convolution output, the projection shortcuts of
        // stages 2 and 3, and the last Relu'd sum (it feeds the pooling; the other sums and the
        // identity shortcut of stage 1 are convolution inputs, quantized anyway)
        assertEquals(Set.of("/stage1/conv2/Conv_output_0", "/stage2/conv2/Conv_output_0", "/stage3/conv2/Conv_output_0",
                "/stage2/down/down.0/Conv_output_0", "/stage3/down/down.0/Conv_output_0", "/stage3/Relu_output_0"), joins);

        Map<String, float[]> ranges = new ConcurrentHashMap<>();
        QuantizationTap minMax = new QuantizationTap() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public void observe(String tensor, float[] data, int length) {
                float[] r = ranges.computeIfAbsent(tensor, k -> new float[] {Float.MAX_VALUE, -Float.MAX_VALUE});
                for (int i = 0; i < length; i++) {
                    r[0] = Math.min(r[0], data[i]);
                    r[1] = Math.max(r[1], data[i]);
                }
            }
        };
        LoadedModel plain = models.build(null, QuantizationTap.NONE);
        LoadedModel tapped = models.build(null, minMax);
        float[] calibration = CalibrationFixtures.floats("fmnist/calib_x.f32");
        for (int at = 0; at < 512; at += BATCH) {
            Tensor x = batch(calibration, at);
            assertArrayEquals(logits(plain, x), logits(tapped, x), "tapping changed the answers at image " + at);
        }
        assertTrue(ranges.keySet().containsAll(joins), "tap saw " + ranges.keySet() + ", joins " + joins);

        Map<String, ScaleTable.Range> entries = new LinkedHashMap<>();
        ranges.forEach((tensor, r) -> entries.put(tensor, ScaleTable.Range.ofMinMax(r[0], r[1])));
        LoadedModel promoted = models.build(new ScaleTable(1, entries), QuantizationTap.NONE);
        List<String> steps = promoted.plan().stepOpTypes();
        assertEquals(3, steps.stream().filter(s -> s.equals("tare:Int8Add")).count(), "steps " + steps);
        assertFalse(steps.contains("Add") || steps.contains("Relu"), "float ops left: " + steps);

        float[] images = CalibrationFixtures.floats("fmnist/test_x.f32");
        byte[] labels = CalibrationFixtures.labels("fmnist/test_y.u8");
        LoadedModel fp32 = models.reference();
        int promotedRight = 0;
        int fp32Right = 0;
        int n = 2048;
        for (int at = 0; at < n; at += BATCH) {
            Tensor x = batch(images, at);
            float[] p = logits(promoted, x);
            float[] f = logits(fp32, x);
            for (int i = 0; i < BATCH; i++) {
                promotedRight += argmax(p, i) == labels[at + i] ? 1 : 0;
                fp32Right += argmax(f, i) == labels[at + i] ? 1 : 0;
            }
        }
        // min/max scales, not a tuned method: within a point of FP32 (a wrong rewrite scores ~0.1)
        assertTrue(promotedRight >= fp32Right - n / 100, "promoted " + promotedRight + " vs FP32 " + fp32Right + " of " + n);

        // without scales for the joins the layers are still 8-bit, and the residual adds float
        Map<String, ScaleTable.Range> layersOnly = new LinkedHashMap<>(entries);
        layersOnly.keySet().removeAll(joins);
        List<String> partial = models.build(new ScaleTable(2, layersOnly), QuantizationTap.NONE).plan().stepOpTypes();
        assertTrue(partial.contains("Add") && partial.contains("tare:Int8Conv"), "steps " + partial);
    }

    private static Tensor batch(float[] images, int at) {
        return Tensor.wrap(DataType.FLOAT, new int[] {BATCH, 1, 28, 28},
                Arrays.copyOfRange(images, at * PIXELS, (at + BATCH) * PIXELS));
    }

    private static float[] logits(LoadedModel model, Tensor x) {
        String input = model.inputs().getFirst().name();
        return model.run(Map.of(input, x)).values().iterator().next().floats().clone();
    }

    private static int argmax(float[] logits, int row) {
        int best = 0;
        for (int c = 1; c < 10; c++) {
            best = logits[row * 10 + c] > logits[row * 10 + best] ? c : best;
        }
        return best;
    }
}
