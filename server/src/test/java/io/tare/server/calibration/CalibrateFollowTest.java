package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.client.cli.ClientMain;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tare client calibrate --follow} against real servers: it keeps following the statistics
 * stream (the merged counts grow with the traffic sent while it runs), says when the server is not
 * there yet and when it goes away, reconnects to a server restarted on the same port, stops when
 * interrupted, after {@code --count} updates, or after {@code --duration} without any statistics.
 */
class CalibrateFollowTest {
    private static final String MODEL = "followed";
    private static final Pattern INPUT_COUNT = Pattern.compile("\"input\":\\{\"count\":(\\d+)");

    @TempDir
    Path repo;

    /** Lines written by the command so far; safe to read while it writes. */
    private static final class Lines extends OutputStream {
        private final StringBuffer text = new StringBuffer();

        @Override
        public void write(int b) {
            text.append((char) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            text.append(new String(b, off, len, StandardCharsets.UTF_8));
        }

        List<String> lines() {
            String s = text.toString();
            int end = s.lastIndexOf('\n'); // complete lines only
            return end < 0 ? List.of() : List.of(s.substring(0, end).split("\n"));
        }

        /** Waits (up to a minute: the machine may be loaded) until some line matches. */
        String await(Predicate<String> wanted, String what) throws InterruptedException {
            return await(0, wanted, what);
        }

        /** The same, among the lines from index {@code from} on. */
        String await(int from, Predicate<String> wanted, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                List<String> lines = lines();
                for (String line : lines.subList(Math.min(from, lines.size()), lines.size())) {
                    if (wanted.test(line)) {
                        return line;
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no line " + what + " in:\n" + text);
        }
    }

    private record Run(CompletableFuture<Integer> exit, Lines out, Lines err, Thread thread) {
    }

    private static Run cli(String... args) {
        Lines out = new Lines();
        Lines err = new Lines();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("calibrate-cli").start(() -> exit.complete(ClientMain.run(args,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))));
        return new Run(exit, out, err, thread);
    }

    private TareServer start(int grpcPort) {
        return TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, grpcPort, 0)
                .withControl(ControlMode.EXPLICIT, List.of(MODEL)).withAdminToken(Optional.empty()));
    }

    private static void send(TareServer server, float[] images, int from, int to) {
        try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            for (int i = from; i < to; i++) {
                client.infer(MODEL, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8},
                        Arrays.copyOfRange(images, i * 64, (i + 1) * 64))));
            }
        }
    }

    private static Predicate<String> inputCount(long count) {
        return line -> {
            Matcher m = INPUT_COUNT.matcher(line);
            return m.find() && Long.parseLong(m.group(1)) == count;
        };
    }

    /** Waits until the calibration thread has taken in {@code values} input values. */
    private static void awaitAbsorbed(TareServer server, long values) throws Exception {
        ModelCalibration c = ((Calibratable) server.repository().get(MODEL, "").backendModel()).calibration();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            CalibrationSnapshot s = c.snapshot().get();
            if (s.tensor("input") != null && s.tensor("input").sinceRefresh().count() == values) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("calibration did not take in " + values + " values");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void followsTheLiveStreamAcrossAServerRestartUntilInterrupted() throws Exception {
        CalibrationFixtures.addModel(repo, MODEL, "digits/digits_cnn_qdq_fakequant.onnx",
                CalibrationFixtures.tareConfig(MODEL, 16, "calibration_sample_rate", "1"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        int port = freePort();
        String target = "127.0.0.1:" + port;
        Run run = cli("calibrate", "--follow", target, "--model", MODEL, "--interval", "0.1");
        try {
            run.err().await(l -> l.startsWith("waiting for " + target), "saying it waits for the server");

            try (TareServer first = start(port)) {
                send(first, images, 0, 10);
                run.out().await(inputCount(10 * 64), "with the first 10 images");
                // the old command read one message and quit: only a live follow sees what comes next
                send(first, images, 10, 30);
                run.out().await(inputCount(30 * 64), "with all 30 images");
                assertTrue(!run.exit().isDone(), "still following");
            }
            run.err().await(l -> l.startsWith("lost " + target), "saying the server went away");

            int before = run.out().lines().size();
            try (TareServer second = start(port)) {
                send(second, images, 0, 5);
                // a restarted server starts its statistics afresh
                run.out().await(before, inputCount(5 * 64), "from the restarted server");
                run.err().await(l -> l.startsWith("following " + target + " again"), "saying it is back");
            }
            List<String> lines = run.out().lines();
            for (int i = 0; i < lines.size(); i++) {
                assertTrue(lines.get(i).startsWith("{\"update\":" + (i + 1) + ","), "numbered updates: " + lines.get(i));
            }
        } finally {
            run.thread().interrupt();
        }
        assertEquals(0, run.exit().get(30, TimeUnit.SECONDS), "interrupting is a normal stop");
        run.err().await(l -> l.startsWith("stopped following"), "saying it stopped");
    }

    @Test
    void stopsAfterCountUpdatesOrWhenNothingComesWithinTheDuration() throws Exception {
        CalibrationFixtures.addModel(repo, MODEL, "digits/digits_cnn_qdq_fakequant.onnx",
                CalibrationFixtures.tareConfig(MODEL, 16, "calibration_sample_rate", "1"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        try (TareServer server = start(0)) {
            send(server, images, 0, 4);
            awaitAbsorbed(server, 4 * 64);
            String target = "127.0.0.1:" + server.grpcPort();
            Run counted = cli("calibrate", "--follow", target, "--follow", target, "--model", MODEL,
                    "--interval", "0.1", "--count", "3");
            assertEquals(0, counted.exit().get(60, TimeUnit.SECONDS), String.join("\n", counted.err().lines()));
            assertEquals(3, counted.out().lines().size(), "exactly --count updates");
            // the same server followed twice: every update merges both streams
            assertTrue(inputCount(2 * 4 * 64).test(counted.out().lines().getLast()), counted.out().lines().getLast());

            Run unknown = cli("calibrate", "--follow", target, "--model", "no_such_model", "--count", "1");
            assertEquals(1, unknown.exit().get(60, TimeUnit.SECONDS), "a refusal is not retried forever");
            assertTrue(String.join("\n", unknown.err().lines()).contains("NOT_FOUND"), unknown.err().lines().toString());
        }
        Run nobody = cli("calibrate", "--follow", "127.0.0.1:" + freePort(), "--model", MODEL, "--duration", "1");
        assertEquals(1, nobody.exit().get(60, TimeUnit.SECONDS));
        nobody.err().await(l -> l.startsWith("error: no statistics from"), "saying nothing came");
    }
}
