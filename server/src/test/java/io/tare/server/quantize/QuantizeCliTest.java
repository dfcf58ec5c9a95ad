package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tare quantize} as a user runs it: a separate JVM, exit codes, stdout, the progress bar on stderr. */
class QuantizeCliTest {

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private Run tare(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.tare.server.cli.TareMain"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "tare quantize did not finish");
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void quantizesTheMlpWithProgressAndReport() throws Exception {
        Path out = tmp.resolve("mlp_int8.onnx");
        Run r = tare("quantize", "--model", FmnistFixtures.mlp().toString(), "--calibration",
                FmnistFixtures.calibration().toString(), "--shape", "784", "--method", "mse", "--per-channel",
                "--output", out.toString(), "--trt-cache", tmp.resolve("mlp.cache").toString(),
                "--report", tmp.resolve("report").toString(), "--sensitivity-samples", "128");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote " + out) && r.out().contains("(3 layers: 3 int8)"), r.out());
        assertTrue(r.err().contains("calibrate [") && r.err().contains("512/512"), "progress bar on stderr: " + r.err());
        assertTrue(Files.size(out) > 500_000 / 4);
        assertTrue(Files.exists(tmp.resolve("report/report.html")) && Files.exists(tmp.resolve("mlp.cache")));
        // 8-bit weights: on a CPU without VNNI the ORT scores come from its saturating kernel, and the output says so
        assertEquals(io.tare.kernels.KernelProvider.get().favoursSevenBitWeights(), r.out().contains("this CPU has no VNNI"),
                r.out());
    }

    @Test
    void badInputExitsNonZeroWithAClearMessageAndWritesNothing() throws Exception {
        Path out = tmp.resolve("never.onnx");
        Run r = tare("quantize", "--model", FmnistFixtures.mlp().toString(), "--calibration",
                FmnistFixtures.calibration().toString(), "--shape", "3,3", "--output", out.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("does not fit the model input") || r.err().contains("whole number"), r.err());
        assertFalse(Files.exists(out));
        File[] left = tmp.toFile().listFiles((d, n) -> n.endsWith(".tmp"));
        assertEquals(0, left == null ? 0 : left.length);
        Run usage = tare("quantize", "--model", "m.onnx", "--bogus");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("unknown flag --bogus"), usage.err());
        Run joins = tare("quantize", "--model", "m.onnx", "--residual-joins", "int8");
        assertEquals(2, joins.exit());
        assertTrue(joins.err().contains("--residual-joins must be quantized or float"), joins.err());
        Run auto = tare("quantize", "--model", "m.onnx", "--weight-bits", "auto");
        assertEquals(2, auto.exit());
        assertTrue(auto.err().contains("--weight-bits: weight bits must be 8 or 7"), auto.err());
        Run contradiction = tare("quantize", "--model", "m.onnx", "--weight-bits", "8", "--reduce-range");
        assertEquals(2, contradiction.exit());
        assertTrue(contradiction.err().contains("contradicts --weight-bits 8"), contradiction.err());
    }

    /** {@code --weight-bits 7} quantizes the weights to 7 bits, as {@code --reduce-range} does: byte for byte the same file. */
    @Test
    void weightBitsSevenWritesTheReduceRangeFile() throws Exception {
        Path seven = tmp.resolve("seven.onnx");
        Path reduced = tmp.resolve("reduced.onnx");
        String[] common = {"quantize", "--model", FmnistFixtures.mlp().toString(), "--calibration",
                FmnistFixtures.calibration().toString(), "--shape", "784", "--method", "minmax", "--per-channel",
                "--calibration-samples", "64", "--quiet"};
        Run a = tare(concat(common, "--weight-bits", "7", "--output", seven.toString()));
        Run b = tare(concat(common, "--reduce-range", "--output", reduced.toString()));
        assertEquals(0, a.exit(), a.err());
        assertEquals(0, b.exit(), b.err());
        assertArrayEquals(Files.readAllBytes(reduced), Files.readAllBytes(seven));
        assertFalse(a.out().contains("this CPU has no VNNI"), a.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
