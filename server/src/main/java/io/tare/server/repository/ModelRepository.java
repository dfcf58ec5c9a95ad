package io.tare.server.repository;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tare.proto.inference.ModelConfig;
import io.tare.proto.inference.ModelVersionPolicy;
import io.tare.server.backend.Backend;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.BackendRegistry;
import io.tare.server.backend.ModelInstance;
import io.tare.server.backend.ModelSource;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.InferenceResponse;
import io.tare.server.core.TareException;
import io.tare.server.scheduler.DynamicBatchScheduler;
import io.tare.server.scheduler.ModelStats;
import io.tare.server.scheduler.SchedulerClosedException;
import io.tare.server.scheduler.SchedulerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Triton-layout model repository ({@code <root>/<model>/<version>/model.onnx} plus an optional
 * {@code config.pbtxt}) and the set of models being served from it.
 *
 * <p>Threading: {@link #infer} and the lookups are lock-free and may be called from event loops.
 * Load and unload are serialized; a reload builds the new versions first, swaps them in, and only
 * then closes the old ones, which finish every request they accepted, so no request is lost.
 */
public final class ModelRepository implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelRepository.class.getName());
    private static final String DEFAULT_MODEL_FILE = "model.onnx";

    private final Path root;
    private final BackendRegistry backends;
    private final MeterRegistry meters;
    private final IntConsumer pinner;
    private final ControlMode controlMode;
    private final Map<String, NavigableMap<Long, ServedModel>> served = new ConcurrentHashMap<>();
    private final Map<String, ModelState> failures = new ConcurrentHashMap<>();
    private final Object management = new Object();
    private final Timer loadTime;

    /**
     * @param pinner pins the calling compute thread to a CPU given the instance index
     */
    public ModelRepository(Path root, BackendRegistry backends, MeterRegistry meters, IntConsumer pinner,
                           ControlMode controlMode) {
        this.root = root;
        this.backends = backends;
        this.meters = meters;
        this.pinner = pinner;
        this.controlMode = controlMode;
        this.loadTime = Timer.builder("tare.model.load.duration").description("Time to load a model version")
                .register(meters);
        if (!Files.isDirectory(root)) {
            throw TareException.invalid("model repository " + root + " is not a directory");
        }
    }

    public ControlMode controlMode() {
        return controlMode;
    }

    /** Model folder names found on disk. */
    public List<String> modelNamesOnDisk() {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new TareException(ErrorCode.INTERNAL, "cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    /** Loads every model on disk; a model that fails is logged and left UNAVAILABLE, the others load. */
    public void loadAll() {
        for (String name : modelNamesOnDisk()) {
            try {
                load(name);
            } catch (TareException e) {
                LOG.warning("model '" + name + "' not loaded: " + e.getMessage());
            }
        }
    }

    /** Loads or reloads a model's versions according to its version policy. */
    public void load(String name) {
        synchronized (management) {
            Path dir = modelDir(name);
            NavigableMap<Long, ServedModel> fresh = new TreeMap<>();
            try {
                ModelConfig config = ModelConfigLoader.read(dir);
                List<Long> versions = selectVersions(dir, config);
                if (versions.isEmpty()) {
                    throw TareException.invalid("model '" + name + "' has no version folder with a model file in " + dir);
                }
                for (long version : versions) {
                    fresh.put(version, loadVersion(dir, config, version));
                }
            } catch (RuntimeException e) {
                fresh.values().forEach(ServedModel::close);
                failures.put(name, new ModelState(name, "", ModelState.UNAVAILABLE, e.getMessage()));
                throw e instanceof TareException te ? te
                        : new TareException(ErrorCode.INTERNAL, "loading '" + name + "' failed: " + e, e);
            }
            failures.remove(name);
            NavigableMap<Long, ServedModel> old = served.put(name, fresh);
            if (old != null) {
                old.values().forEach(ServedModel::close);
            }
            LOG.info("model '" + name + "' ready, versions " + fresh.keySet());
        }
    }

    /** Unloads every version of a model after it finishes the requests it accepted. */
    public void unload(String name) {
        synchronized (management) {
            NavigableMap<Long, ServedModel> old = served.remove(name);
            if (old == null) {
                throw TareException.notFound("model '" + name + "' is not loaded");
            }
            old.values().forEach(ServedModel::close);
            LOG.info("model '" + name + "' unloaded");
        }
    }

    private Path modelDir(String name) {
        if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw TareException.invalid("invalid model name '" + name + "'");
        }
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw TareException.notFound("model '" + name + "' is not in the repository " + root);
        }
        return dir;
    }

    private List<Long> selectVersions(Path dir, ModelConfig config) {
        String fileName = modelFileName(config);
        List<Long> available = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && n.matches("\\d{1,18}") && Files.exists(p.resolve(fileName))) {
                    available.add(Long.parseLong(n));
                }
            }
        } catch (IOException e) {
            throw new TareException(ErrorCode.INTERNAL, "cannot list " + dir + ": " + e.getMessage(), e);
        }
        available.sort(Comparator.naturalOrder());
        ModelVersionPolicy policy = config.getVersionPolicy();
        return switch (policy.getPolicyChoiceCase()) {
            case ALL -> available;
            case SPECIFIC -> {
                List<Long> wanted = policy.getSpecific().getVersionsList();
                for (long v : wanted) {
                    if (!available.contains(v)) {
                        throw TareException.invalid("model '" + dir.getFileName() + "': version_policy names version "
                                + v + ", which has no " + fileName);
                    }
                }
                yield wanted.stream().sorted().toList();
            }
            case LATEST, POLICYCHOICE_NOT_SET -> {
                int n = Math.max(1, policy.getLatest().getNumVersions());
                yield available.subList(Math.max(0, available.size() - n), available.size());
            }
        };
    }

    private static String modelFileName(ModelConfig config) {
        return config.getDefaultModelFilename().isEmpty() ? DEFAULT_MODEL_FILE : config.getDefaultModelFilename();
    }

    private ServedModel loadVersion(Path dir, ModelConfig config, long version) {
        long start = System.nanoTime();
        String name = dir.getFileName().toString();
        String v = Long.toString(version);
        ModelSource source = new ModelSource(name, v, dir.resolve(v).resolve(modelFileName(config)), config,
                ModelConfigLoader.parameters(config));
        Backend backend = backends.select(source);
        BackendModel model = backend.load(source);
        List<ModelInstance> instances = new ArrayList<>();
        try {
            ModelConfig complete = ModelConfigLoader.complete(dir, config, model.signature(), backend.name(), model.platform());
            List<WarmupRequests.Sample> warmup = WarmupRequests.of(dir, complete, model.signature());
            SchedulerOptions options = SchedulerOptions.from(complete, model.signature().maxBatchSize());
            for (int i = 0; i < options.instanceCount(); i++) {
                instances.add(model.createInstance(i));
            }
            WarmupRequests.run(warmup, instances, model.signature().outputNames());
            ModelStats stats = new ModelStats(name, v, meters);
            DynamicBatchScheduler scheduler = new DynamicBatchScheduler(name, v, model.signature(), options, instances,
                    stats, pinner);
            loadTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return new ServedModel(name, v, complete, model, scheduler, stats);
        } catch (RuntimeException e) {
            instances.forEach(ModelInstance::close);
            model.close();
            throw e;
        }
    }

    /**
     * Resolves a model version: the given one, or the highest loaded when {@code version} is empty.
     *
     * @throws TareException NOT_FOUND for an unknown model or version
     */
    public ServedModel get(String name, String version) {
        NavigableMap<Long, ServedModel> versions = served.get(name);
        if (versions == null || versions.isEmpty()) {
            throw TareException.notFound("model '" + name + "' is not " + (failures.containsKey(name)
                    ? "available: " + failures.get(name).reason() : "loaded"));
        }
        if (version == null || version.isEmpty()) {
            return versions.lastEntry().getValue();
        }
        ServedModel model = null;
        try {
            model = versions.get(Long.parseLong(version));
        } catch (NumberFormatException e) {
            // falls through to NOT_FOUND: a version is a number
        }
        if (model == null) {
            throw TareException.notFound("model '" + name + "' has no version '" + version + "' loaded (loaded: "
                    + versions.keySet() + ")");
        }
        return model;
    }

    /** Versions of a model that are loaded, ascending. */
    public List<String> versions(String name) {
        NavigableMap<Long, ServedModel> versions = served.get(name);
        return versions == null ? List.of() : versions.keySet().stream().map(String::valueOf).toList();
    }

    public boolean isReady(String name, String version) {
        try {
            get(name, version);
            return true;
        } catch (TareException e) {
            return false;
        }
    }

    /**
     * Validates and enqueues a request. If the model version is swapped out between lookup and
     * enqueue, the request goes to its replacement, so a reload never fails a request.
     */
    public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
        for (int attempt = 0; ; attempt++) {
            ServedModel model = get(request.modelName(), request.modelVersion());
            try {
                return model.submit(request);
            } catch (SchedulerClosedException e) {
                if (attempt >= 3) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Every model on disk or loaded, with its state. */
    public List<ModelState> index(boolean readyOnly) {
        List<ModelState> out = new ArrayList<>();
        java.util.SortedSet<String> names = new java.util.TreeSet<>(modelNamesOnDisk());
        names.addAll(served.keySet());
        for (String name : names) {
            NavigableMap<Long, ServedModel> versions = served.get(name);
            if (versions != null) {
                versions.keySet().forEach(v -> out.add(new ModelState(name, String.valueOf(v), ModelState.READY, "")));
            } else if (!readyOnly) {
                ModelState failure = failures.get(name);
                out.add(failure != null ? failure : new ModelState(name, "", ModelState.UNAVAILABLE, "unloaded"));
            }
        }
        return out;
    }

    public Collection<ServedModel> loaded() {
        return served.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    @Override
    public void close() {
        synchronized (management) {
            served.values().forEach(m -> m.values().forEach(ServedModel::close));
            served.clear();
        }
    }
}
