package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DYNAMIC and STATIC modes on the real FP32 fixture models (weights quantized at load), the tap,
 * and the scale table swap: the INT8 model must keep the FP32 model's top-1 on nearly every
 * real test image.
 */
class EngineModesTest {
    private static final int IMAGES = 200;

    private static int agreement(LoadedModel a, LoadedModel b, float[] x, int[] shape) {
        String in = a.inputs().get(0).name();
        String out = a.outputs().get(0).name();
        float[] ya = a.run(Map.of(in, Tensor.ofFloats(shape, x))).get(out).floats();
        float[] yb = b.run(Map.of(in, Tensor.ofFloats(shape, x))).get(out).floats();
        int agree = 0;
        for (int i = 0; i < shape[0]; i++) {
            agree += RawData.argmax(ya, i * 10, 10) == RawData.argmax(yb, i * 10, 10) ? 1 : 0;
        }
        return agree;
    }

    @Test
    void dynamicModeKeepsFp32Predictions() throws Exception {
        for (String model : List.of("fmnist/cnn/fmnist_rescnn_fp32.onnx", "fmnist/mlp/fmnist_mlp_fp32.onnx")) {
            boolean mlp = model.contains("mlp");
            int[] shape = mlp ? new int[] {IMAGES, 784} : new int[] {IMAGES, 1, 28, 28};
            float[] x = RawData.floats(TestFixtures.fixture("fmnist/test_x.f32"), 0, IMAGES * 784);
            LoadedModel fp32 = Engine.load(TestFixtures.fixture(model), EngineOptions.DEFAULT);
            for (boolean perRow : new boolean[] {false, true}) {
                LoadedModel dyn = Engine.load(TestFixtures.fixture(model),
                        EngineOptions.DEFAULT.withMode(ExecutionMode.DYNAMIC).withPerRowActivations(perRow));
                assertTrue(dyn.plan().stepOpTypes().stream().noneMatch(o -> o.equals("Conv") || o.equals("Gemm")),
                        "float layers left: " + dyn.plan().stepOpTypes());
                int agree = agreement(fp32, dyn, x, shape);
                System.out.printf("%s dynamic (per-row %s): top-1 agreement with FP32 %d/%d%n", model, perRow, agree,
                        IMAGES);
                assertTrue(agree >= IMAGES * 0.98, model + " dynamic agreement " + agree + "/" + IMAGES);
            }
        }
    }

    @Test
    void tapSeesEveryQuantizationPointAndStaticTableSwaps() throws Exception {
        List<String> seen = new ArrayList<>();
        QuantizationTap tap = new QuantizationTap() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public void observe(String tensorName, float[] data, int length) {
                seen.add(tensorName);
            }
        };
        var model = TestFixtures.fixture("fmnist/mlp/fmnist_mlp_fp32.onnx");
        LoadedModel dyn = Engine.load(model, EngineOptions.DEFAULT.withMode(ExecutionMode.DYNAMIC).withTap(tap));
        float[] x = RawData.floats(TestFixtures.fixture("fmnist/test_x.f32"), 0, 16 * 784);
        dyn.run(Map.of("input", Tensor.ofFloats(new int[] {16, 784}, x)));
        assertEquals(3, seen.size(), "one observation per INT8 layer: " + seen);

        // static mode: a table that covers the input generously gives the FP32 answer on most images
        ScaleTable table = new ScaleTable(1, Map.of("input", ScaleTable.Range.ofMinMax(-0.9f, 2.1f)));
        LoadedModel fp32 = Engine.load(model, EngineOptions.DEFAULT);
        LoadedModel stat = Engine.load(model, EngineOptions.DEFAULT.withStatic(table));
        int[] shape = {IMAGES, 784};
        float[] xs = RawData.floats(TestFixtures.fixture("fmnist/test_x.f32"), 0, IMAGES * 784);
        int good = agreement(fp32, stat, xs, shape);
        assertTrue(good >= IMAGES * 0.98, "static agreement " + good);
        // a table whose range clips the input to [0, 0.01] must change predictions: the table is really used
        stat.updateScaleTable(table.withUpdates(Map.of("input", new ScaleTable.Range(0.01f / 255f, 0))));
        int clipped = agreement(fp32, stat, xs, shape);
        assertTrue(clipped < good, "clipped table should hurt: " + clipped + " vs " + good);
        assertThrows(IllegalArgumentException.class, () -> stat.updateScaleTable(table));
    }
}
