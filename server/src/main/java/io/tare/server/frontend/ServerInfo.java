package io.tare.server.frontend;

import java.util.List;

/** What the server says about itself in ServerMetadata and {@code GET /v2}. */
public final class ServerInfo {
    public static final String NAME = "tare";
    public static final String VERSION = "0.1.0";
    public static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_repository",
            "model_configuration", "statistics", "schedule_policy");

    private ServerInfo() {
    }
}
