package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import io.tare.server.repository.RepositoryPoller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Poll mode follows the disk: new models load, new versions replace old ones, removed models unload. */
class PollingRepositoryTest {
    @TempDir
    Path repo;

    @Test
    void followsChangesOnDisk() throws Exception {
        Fixtures.addBundled(repo, "digits");
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.POLL, List.of()).withPollInterval(Duration.ofHours(1)))) {
            RepositoryPoller poller = new RepositoryPoller(server.repository(), repo, Duration.ofHours(1));
            assertTrue(server.repository().isReady("digits", ""));
            assertFalse(server.repository().isReady("fresh", ""));

            Fixtures.addModel(repo, "fresh", Fixtures.fixture("digits/digits_cnn_fp32.onnx"), null);
            poller.poll();
            assertTrue(server.repository().isReady("fresh", "1"));

            Path v2 = Files.createDirectories(repo.resolve("fresh/2"));
            Files.copy(Fixtures.fixture("digits/digits_cnn_qdq_fakequant.onnx"), v2.resolve("model.onnx"));
            poller.poll();
            assertEquals(List.of("2"), server.repository().versions("fresh"), "latest policy serves only the newest");

            try (var files = Files.walk(repo.resolve("fresh"))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            poller.poll();
            assertFalse(server.repository().isReady("fresh", ""));
            assertTrue(server.repository().isReady("digits", ""));
            poller.close();
        }
    }

    @Test
    void versionPolicyAllServesEveryVersion() throws Exception {
        Fixtures.addModel(repo, "multi", Fixtures.fixture("digits/digits_cnn_fp32.onnx"),
                "version_policy { all { } }\n");
        Path v3 = Files.createDirectories(repo.resolve("multi/3"));
        Files.copy(Fixtures.fixture("digits/digits_cnn_fp32.onnx"), v3.resolve("model.onnx"));
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0))) {
            assertEquals(List.of("1", "3"), server.repository().versions("multi"));
            assertEquals("3", server.repository().get("multi", "").version());
        }
    }
}
