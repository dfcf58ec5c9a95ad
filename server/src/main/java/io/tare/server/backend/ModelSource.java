package io.tare.server.backend;

import io.tare.proto.inference.ModelConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a backend needs to load one model version.
 *
 * @param name       model name (the repository folder)
 * @param version    version folder name
 * @param modelFile  the model file inside the version folder
 * @param config     the parsed config.pbtxt, or a default instance when the model has none
 * @param parameters config {@code parameters} as plain strings (e.g. {@code mode: static})
 */
public record ModelSource(String name, String version, Path modelFile, ModelConfig config,
                          Map<String, String> parameters) {
    public ModelSource {
        parameters = Map.copyOf(parameters);
    }
}
