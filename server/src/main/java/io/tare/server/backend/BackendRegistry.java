package io.tare.server.backend;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The backends on the class path, by name, in ServiceLoader order. */
public final class BackendRegistry {
    private final Map<String, Backend> byName = new LinkedHashMap<>();

    public BackendRegistry(List<Backend> backends) {
        for (Backend backend : backends) {
            byName.put(backend.name(), backend);
        }
    }

    public static BackendRegistry discover() {
        return new BackendRegistry(ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get).toList());
    }

    /** The backend the config names, or the first that accepts the model file. */
    public Backend select(ModelSource source) {
        String named = source.config().getBackend();
        if (named.isEmpty() && !source.config().getPlatform().isEmpty()) {
            named = platformBackend(source.config().getPlatform());
        }
        if (!named.isEmpty()) {
            Backend backend = byName.get(named);
            if (backend == null) {
                throw new TareException(ErrorCode.INVALID_ARG, "model '" + source.name() + "' names backend '" + named
                        + "', which this server does not have (available: " + byName.keySet() + ")");
            }
            return backend;
        }
        return byName.values().stream().filter(b -> b.accepts(source)).findFirst()
                .orElseThrow(() -> new TareException(ErrorCode.INVALID_ARG, "no backend accepts " + source.modelFile()));
    }

    private static String platformBackend(String platform) {
        return platform.equals("onnxruntime_onnx") ? "onnxruntime" : platform;
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
