package io.tare.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A static check of deploy/Dockerfile (no Docker engine here to build it): multi-stage JDK build and JRE
 * runtime, non-root user, the three ports, a readiness health check, the server's entrypoint, and every
 * build-context path it copies exists in the repository.
 */
class DockerfileTest {
    private static final Pattern FROM = Pattern.compile("(?i)^FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?$");

    /** Instructions with line continuations joined and comments dropped. */
    private static List<String> instructions() throws IOException {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : Files.readAllLines(DeployFiles.file("Dockerfile"))) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            result.add(current.toString().replaceAll("\\s+", " ").strip());
            current.setLength(0);
        }
        return result;
    }

    /** The instructions of the last stage (from its FROM on). */
    private static List<String> finalStage(List<String> all) {
        int lastFrom = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).toUpperCase().startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        return all.subList(lastFrom, all.size());
    }

    @Test
    void buildsOnAJdkAndRunsOnAJre() throws IOException {
        List<String> froms = instructions().stream().filter(i -> i.toUpperCase().startsWith("FROM ")).toList();
        assertTrue(froms.size() >= 2, "multi-stage build expected: " + froms);
        Matcher build = FROM.matcher(froms.getFirst());
        assertTrue(build.matches() && build.group(2) != null, "the first stage must be named: " + froms.getFirst());
        assertTrue(build.group(1).contains("maven") && build.group(1).contains("25"), "build on Maven + JDK 25: " + build.group(1));
        Matcher runtime = FROM.matcher(froms.getLast());
        assertTrue(runtime.matches() && runtime.group(1).matches("eclipse-temurin:25[\\w.-]*-jre.*"),
                "runtime on a JRE 25 image: " + froms.getLast());
        assertTrue(finalStage(instructions()).stream().anyMatch(i -> i.startsWith("COPY --from=" + build.group(2) + " ")),
                "the runtime stage must copy the build stage's output");
    }

    @Test
    void runtimeIsNonRootWithPortsAndHealthCheck() throws IOException {
        List<String> stage = finalStage(instructions());
        List<String> users = stage.stream().filter(i -> i.startsWith("USER ")).toList();
        assertFalse(users.isEmpty(), "the runtime stage must set USER");
        String user = users.getLast().substring(5).split(":")[0];
        assertFalse(user.equals("root") || user.equals("0"), "runs as root: " + users.getLast());

        String expose = stage.stream().filter(i -> i.startsWith("EXPOSE ")).findFirst().orElse("");
        assertTrue(List.of(expose.split(" ")).containsAll(List.of("8000", "8001", "8002")), "EXPOSE: " + expose);

        String health = stage.stream().filter(i -> i.startsWith("HEALTHCHECK ")).findFirst().orElse("");
        assertTrue(health.contains(" CMD ") && health.contains("http://localhost:8000/v2/health/ready"), health);
        assertTrue(stage.stream().anyMatch(i -> i.startsWith("RUN ") && i.contains("curl")),
                "the health check's curl must be installed in the runtime stage");
    }

    @Test
    void entrypointRunsTheServerWithItsJvmFlags() throws IOException {
        List<String> stage = finalStage(instructions());
        String entrypoint = stage.stream().filter(i -> i.startsWith("ENTRYPOINT ")).findFirst().orElse("");
        for (String part : List.of("\"java\"", "\"--add-modules\", \"jdk.incubator.vector\"",
                "\"--enable-native-access=ALL-UNNAMED\"", "\"-cp\", \"/opt/tare/lib/*\"", "\"io.tare.server.cli.TareMain\"")) {
            assertTrue(entrypoint.contains(part), "ENTRYPOINT lacks " + part + ": " + entrypoint);
        }
        String cmd = stage.stream().filter(i -> i.startsWith("CMD ")).findFirst().orElse("");
        assertEquals("CMD [\"serve\", \"--model-repository\", \"/models\"]", cmd);
    }

    @Test
    void everyCopiedContextPathExists() throws IOException {
        Path repository = DeployFiles.root().getParent();
        int checked = 0;
        for (String instruction : instructions()) {
            if (!instruction.startsWith("COPY ") || instruction.startsWith("COPY --from=")) {
                continue;
            }
            String[] words = instruction.substring(5).split(" ");
            for (int i = 0; i < words.length - 1; i++) {
                if (!words[i].startsWith("--")) {
                    assertTrue(Files.exists(repository.resolve(words[i])), "COPY source missing from the context: " + words[i]);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 5, "expected the build to copy the modules, copied " + checked);
    }
}
