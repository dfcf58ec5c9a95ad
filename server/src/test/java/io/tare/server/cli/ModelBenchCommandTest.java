package io.tare.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.KernelProvider;
import io.tare.server.engine.WeightBits;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code tare bench model} in STATIC mode on a float model measures what the server serves: the
 * model calibrated and promoted to an INT8 QDQ graph (every convolution and the Gemm INT8), with
 * the weight bits {@code auto} picks here, and outputs that still agree with ONNX Runtime's FP32.
 */
class ModelBenchCommandTest {
    private static String fixture(String name) {
        return Path.of(System.getProperty("tare.shared.dir"), "fixtures", "digits", name).toString();
    }

    @Test
    void staticModeRunsThePromotedInt8Graph() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, TareMain.run(new String[] {"bench", "model", "--model", fixture("digits_cnn_fp32.onnx"),
                "--mode", "static", "--batch", "16", "--seconds", "0.3", "--data", fixture("test_x.f32")}));
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("promoted to INT8 QDQ as the server does"), out);
        assertTrue(out.contains("float weights quantized to " + WeightBits.automatic(KernelProvider.get()) + " bits"), out);
        Matcher layers = Pattern.compile("engine plan: \\d+ steps, (\\d+) INT8 layers").matcher(out);
        assertTrue(layers.find(), out);
        assertTrue(Integer.parseInt(layers.group(1)) >= 3, "convolutions and Gemm in INT8: " + out);
        Matcher agreement = Pattern.compile("top-1 agreement (\\d+)/16").matcher(out);
        assertTrue(agreement.find(), out);
        assertTrue(Integer.parseInt(agreement.group(1)) >= 15, out);
        assertTrue(out.contains("round thr x"), out);
    }

    /** The per-round ratio is a median: one round where one side was slowed does not move it. */
    @Test
    void roundRatioIsTheMedianOfPerRoundRatios() {
        assertEquals(1.0, ModelBenchCommand.medianRatio(new double[] {10, 10, 10, 10, 10}, new double[] {10, 10, 2, 10, 10}));
        assertEquals(2.0, ModelBenchCommand.medianRatio(new double[] {3, 2, 8}, new double[] {1, 1, 4}));
        assertEquals(1.75, ModelBenchCommand.medianRatio(new double[] {1, 2, 3, 6}, new double[] {1, 1, 2, 2}));
    }
}
