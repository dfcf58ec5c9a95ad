package io.tare.client.cli;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.tare.client.EchoInferenceService;
import io.tare.client.http.EchoHttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI end to end over real sockets: a netty gRPC echo server and a JDK HTTP echo server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientMainTest {
    private Server grpcServer;
    private EchoHttpServer httpServer;
    private String grpcUrl;
    @TempDir
    Path dir;

    @BeforeAll
    void start() throws IOException {
        grpcServer = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new EchoInferenceService()).build().start();
        grpcUrl = "127.0.0.1:" + grpcServer.getPort();
        httpServer = EchoHttpServer.start();
    }

    @AfterAll
    void stop() throws InterruptedException {
        grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        httpServer.close();
    }

    /** Six "images" of 3 floats: row r holds r, r + 0.5, r - 1 (so argmax is column 1). */
    private Path rawImages() throws IOException {
        ByteBuffer body = ByteBuffer.allocate(6 * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int row = 0; row < 6; row++) {
            body.putFloat(row).putFloat(row + 0.5f).putFloat(row - 1);
        }
        Path images = dir.resolve("images.f32");
        Files.write(images, body.array());
        return images;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ClientMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badArgumentsExitWithTwo() throws IOException {
        assertEquals(2, cli().exit());
        assertEquals(2, cli("frobnicate").exit());
        Run unknownOption = cli("health", "--colour", "red");
        assertEquals(2, unknownOption.exit());
        assertTrue(unknownOption.err().contains("unknown flag --colour (known: "), unknownOption.err());
        assertTrue(cli("infer", "--input", "x=" + rawImages() + ":-1,3").err().contains("--model is required"));
        Run noShape = cli("infer", "--model", "echo", "--input", "x=" + rawImages(), "--url", grpcUrl);
        assertEquals(2, noShape.exit());
        assertTrue(noShape.err().contains("needs a shape"), noShape.err());
        Run missingFile = cli("infer", "--model", "echo", "--input", "x=/no/such.f32:1,3", "--url", grpcUrl);
        assertEquals(2, missingFile.exit());
        assertTrue(missingFile.err().contains("no such file"), missingFile.err());
        assertEquals(2, cli("perf", "--model", "echo", "--input", "x=" + rawImages() + ":-1,3", "--url", grpcUrl).exit());
        assertEquals(2, cli("perf", "--model", "echo", "--input", "x=" + rawImages() + ":-1,3", "--concurrency", "0").exit());
        assertEquals(2, cli("stream", "--model", "echo", "--input", "x=" + rawImages() + ":-1,3", "--http").exit());
    }

    @Test
    void healthAndMetadata() {
        Run health = cli("health", "--url", grpcUrl, "--model", "echo");
        assertEquals(0, health.exit(), health.err());
        assertTrue(health.out().contains("live=true ready=true") && health.out().contains("model echo: ready=true"));
        assertEquals(1, cli("health", "--url", grpcUrl, "--model", "other").exit());
        Run metadata = cli("metadata", "--url", grpcUrl, "--model", "echo");
        assertEquals(0, metadata.exit(), metadata.err());
        assertTrue(metadata.out().contains("\"platform\": \"echo\""), metadata.out());
        Run httpMetadata = cli("metadata", "--http", "--url", httpServer.address());
        assertTrue(httpMetadata.out().contains("echo-http"), httpMetadata.out() + httpMetadata.err());
    }

    @Test
    void inferPrintsSummaryAndJsonOverBothProtocols() throws IOException {
        Run grpc = cli("infer", "--url", grpcUrl, "--model", "echo", "--input", "x=" + rawImages() + ":-1,3",
                "--batch", "2", "--start-row", "3");
        assertEquals(0, grpc.exit(), grpc.err());
        assertTrue(grpc.out().contains("OUT_x FP32 [2,3]"), grpc.out());
        assertTrue(grpc.out().contains("[3, 3.50000, 2, 4, 4.50000, 3]"), grpc.out());
        assertTrue(grpc.out().contains("argmax per row: [1, 1]"), grpc.out());

        Run http = cli("infer", "--http", "--url", httpServer.address(), "--model", "echo",
                "--input", "x=" + rawImages() + ":6,3", "--output-json", "--json-tensors");
        assertEquals(0, http.exit(), http.err());
        assertTrue(http.out().contains("\"name\": \"OUT_x\"") && http.out().contains("5.5"), http.out());
    }

    @Test
    void serverErrorsExitWithOneAndTheStatusMessage() throws IOException {
        Run missing = cli("infer", "--url", grpcUrl, "--model", "nope", "--input", "x=" + rawImages() + ":-1,3");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("NOT_FOUND: unknown model 'nope'"), missing.err());

        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Run unreachable = cli("health", "--url", "127.0.0.1:" + closedPort, "--timeout", "3");
        assertEquals(1, unreachable.exit());
        assertTrue(unreachable.err().contains("UNAVAILABLE"), unreachable.err());
    }

    @Test
    void streamSendsCountRequestsCyclingRows() throws IOException {
        Run stream = cli("stream", "--url", grpcUrl, "--model", "echo", "--input", "x=" + rawImages() + ":-1,3",
                "--batch", "1", "--count", "50", "--max-in-flight", "8");
        assertEquals(0, stream.exit(), stream.err());
        assertTrue(stream.out().contains("stream: 50 responses, 0 errors"), stream.out());
        assertTrue(stream.err().contains("sent 50/50"), stream.err());
    }

    @Test
    void perfWritesOneCsvRowPerConcurrency() throws IOException {
        Path csv = dir.resolve("perf.csv");
        Run perf = cli("perf", "--url", grpcUrl, "--model", "echo", "--input", "x=" + rawImages() + ":-1,3",
                "--batch", "2", "--concurrency", "1,4", "--warmup", "0.1", "--duration", "0.5", "--csv", csv.toString());
        assertEquals(0, perf.exit(), perf.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("1,,2,") && lines.get(2).startsWith("4,,2,"), lines.toString());
        assertTrue(perf.out().contains("concurrency 4"), perf.out());
        assertTrue(perf.err().contains("measuring") || perf.err().contains("draining"), perf.err());
    }

    @Test
    void perfOverHttpAtARequestRateAsJson() throws IOException {
        Run perf = cli("perf", "--protocol", "http", "--url", httpServer.address(), "--model", "echo",
                "--input", "x=" + rawImages() + ":-1,3", "--request-rate", "50", "--warmup", "0", "--duration", "0.6",
                "--json");
        assertEquals(0, perf.exit(), perf.err());
        assertTrue(perf.out().contains("\"request_rate\": 50.0"), perf.out());
        assertTrue(perf.out().contains("\"p99_us\""), perf.out());
    }

    @Test
    void repositoryAndStats() throws IOException {
        Run index = cli("repository", "index", "--url", grpcUrl);
        assertEquals(0, index.exit(), index.err());
        assertEquals("echo\t1\tREADY\n", index.out());
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret\n");
        Run load = cli("repository", "load", "--model", "echo", "--url", grpcUrl, "--token-file", token.toString());
        assertEquals(0, load.exit(), load.err());
        Run missing = cli("repository", "load", "--model", "nope", "--url", grpcUrl);
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("NOT_FOUND"), missing.err());
        Run httpUnload = cli("repository", "unload", "--model", "echo", "--http", "--url", httpServer.address(),
                "--token-file", token.toString());
        assertEquals(0, httpUnload.exit(), httpUnload.err());
        assertEquals("Bearer s3cret", httpServer.lastAuthorization());
        assertEquals(2, cli("repository", "frob", "--url", grpcUrl).exit());
        assertEquals(2, cli("repository", "load", "--url", grpcUrl).exit());
        assertEquals(2, cli("repository", "load", "--model", "echo", "--token-file", dir.resolve("none").toString()).exit());

        Run stats = cli("stats", "--url", grpcUrl, "--model", "echo");
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains("\"inference_count\": \"3\""), stats.out());
    }

    @Test
    void perfFailsFastOnAnUnknownModel() throws IOException {
        Run perf = cli("perf", "--url", grpcUrl, "--model", "nope", "--input", "x=" + rawImages() + ":-1,3",
                "--concurrency", "1", "--duration", "0.2");
        assertEquals(1, perf.exit());
        assertTrue(perf.err().contains("unknown model 'nope'"), perf.err());
    }
}
