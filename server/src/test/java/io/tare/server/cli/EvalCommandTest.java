package io.tare.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code tare eval} on the digits model through the ONNX Runtime backend, as a user would run it. */
class EvalCommandTest {
    private static String fixture(String name) {
        return Path.of(System.getProperty("tare.shared.dir"), "fixtures", "digits", name).toString();
    }

    private static String run(String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, TareMain.run(args));
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reportsTheKnownAccuracyAsJson() throws Exception {
        String json = run("eval", "--model", fixture("digits_cnn_fp32.onnx"), "--backend", "onnxruntime",
                "--data", fixture("test_x.f32"), "--shape", "1,8,8", "--labels", fixture("test_y.u8"),
                "--batch", "16", "--json");
        assertTrue(json.contains("\"accuracy\":0.975000"), json);
        assertTrue(json.contains("\"samples\":360"), json);
        assertTrue(json.contains("\"p50_ms\":") && json.contains("\"throughput\":"), json);
    }

    @Test
    void comparesAgainstReferenceOutputs() throws Exception {
        String json = run("eval", "--model", fixture("digits_cnn_fp32.onnx"), "--data", fixture("test_x.npy"),
                "--reference-output", fixture("test_logits_fp32_torch.npy"), "--json");
        assertTrue(json.contains("\"top1_agreement\":1.00000"), json);
        double minCosine = Double.parseDouble(json.replaceAll(".*\"min_cosine\":([0-9.eE-]+).*\\s*", "$1"));
        assertTrue(minCosine > 0.99999, json);
    }

    @Test
    void badArgumentsExitWithUsage() throws Exception {
        assertEquals(2, TareMain.run(new String[]{"eval", "--model", fixture("digits_cnn_fp32.onnx")}));
        assertEquals(2, TareMain.run(new String[]{"eval", "--bogus"}));
        assertEquals(2, TareMain.run(new String[]{"eval", "--model", fixture("digits_cnn_fp32.onnx"), "--backend", "tare",
                "--mode", "dynamic", "--weight-bits", "6", "--data", fixture("test_x.f32"), "--shape", "1,8,8",
                "--labels", fixture("test_y.u8")}));
    }
}
