package io.tare.server.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tare.kernels.pool.CpuAffinity;
import io.tare.server.backend.tare.TareEngineModels;
import io.tare.server.backend.tare.TareModelParameters;
import io.tare.server.engine.DataType;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ExecutionMode;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.StepProfile;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.WeightBits;
import io.tare.server.engine.graph.ValueInfo;
import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code tare bench model}: the Tare engine against ONNX Runtime on one model, in one JVM, with
 * the same thread count, measured in alternating rounds so that a noisy neighbour hurts both
 * sides alike. ONNX Runtime runs with intra-op threads = T, spinning off, its extra threads pinned
 * to CPUs 1.., and the calling thread (both engines') pinned to the first allowed CPU.
 *
 * <p>The ONNX Runtime side may run other files ({@code --ort-model a.onnx,b.onnx}), e.g. PyTorch's
 * INT8 model and the FP32 model, against the engine on one file. Inputs are synthetic (Gaussian
 * floats; token ids, all-ones masks and zero type ids for int64 inputs) of the model's declared
 * shape, unless {@code --data} gives raw little-endian float32 rows for a single float input.
 * STATIC mode runs what the server serves in static mode ({@link TareEngineModels}): a float model
 * is calibrated (min/max ranges on the first batches through the engine's tap, residual joins
 * included) and promoted to the INT8 QDQ graph with those scales; a pre-quantized file runs with
 * its own scales.
 */
final class ModelBenchCommand {
    static final String USAGE = """
            tare bench model --model M.onnx --batch N [--mode fp32|dynamic|static] [--threads T] [--seconds S]
                             [--ort-model A.onnx,B.onnx] [--data X.f32] [--seq L] [--per-row] [--weight-bits 8|7|auto]
                             [--memory] [--profile] [--json]
              The Tare engine vs ONNX Runtime in one run: throughput, p50/p99 latency and their ratios.
              --weight-bits: dynamic/static modes quantize float weights to 8 bits (max|w| / 127), 7 (max|w| / 63),
                or auto (default): 7 where the native kernels run them faster (AVX2 without VNNI).
              --profile: then where the engine's time goes, per operator type and per node.""";

    /**
     * Alternating rounds: one per second of {@code --seconds}, and at least this many. The
     * speed of these VMs drifts by 10-30% over tens of seconds; three slices of several seconds each
     * let one drift land on one side and moved a MiniLM ratio by +-0.1 between runs.
     */
    private static final int MIN_ROUNDS = 3;
    /**
     * Warm-up per side before the rounds, half of {@code --seconds} within these bounds: the engine's
     * kernels need several seconds of C2 compilation before they run at speed.
     */
    private static final double MIN_WARM_UP_SECONDS = 0.5;
    private static final double MAX_WARM_UP_SECONDS = 4;
    /** {@code --profile} profiles the engine for this share of {@code --seconds}, after the timed rounds. */
    private static final double PROFILE_SHARE = 1.0 / 3;
    /** STATIC calibration runs at least this many samples (and at least four batches), so batch 1 gets sane ranges. */
    private static final int CALIBRATION_SAMPLES = 256;

    private ModelBenchCommand() {
    }

    /** One engine's runs: overall figures and its throughput in each alternating round. */
    private record Timing(String name, double throughput, double p50Us, double p99Us, long runs,
            double[] roundThroughput) { }

    /** Something to time: one call runs one batch. */
    private interface Runner {
        void runOnce() throws Exception;
    }

    static int run(String[] args) throws Exception {
        Flags flags = Flags.parse(args, 2, Set.of("model", "batch", "mode", "threads", "seconds", "ort-model", "data",
                "seq", "weight-bits"), Set.of("json", "memory", "per-row", "profile"));
        Path model = Path.of(Options.required(flags, "model"));
        int batch = flags.getInt("batch", 1);
        int threads = flags.getInt("threads", 1);
        int seq = flags.getInt("seq", 128);
        double seconds = Double.parseDouble(flags.get("seconds", "6"));
        ExecutionMode mode = ExecutionMode.valueOf(flags.get("mode", "fp32").toUpperCase(Locale.ROOT));
        List<Path> ortModels = new ArrayList<>();
        for (String p : flags.get("ort-model", model.toString()).split(",")) {
            ortModels.add(Path.of(p.trim()));
        }
        float[] data = flags.has("data") ? readFloats(Path.of(flags.get("data", ""))) : null;
        int[] cpus = CpuAffinity.allowedCpus();
        boolean pinned = CpuAffinity.pinCurrentThread(cpus[0]);

        List<String> notes = new ArrayList<>();
        notes.add(data == null ? "synthetic random inputs" : "inputs from " + flags.get("data", ""));
        int weightBits = Options.weightBits(flags);
        EngineOptions options = EngineOptions.DEFAULT.withIntraOpThreads(threads)
                .withPerRowActivations(flags.isOn("per-row")).withWeightBits(weightBits);
        if (mode != ExecutionMode.FP32) {
            notes.add("float weights quantized to " + weightBits + " bits"
                    + (flags.has("weight-bits") ? "" : " (--weight-bits auto: " + WeightBits.describeAutomatic() + ")"));
        }
        if (flags.isOn("per-row")) {
            notes.add("dynamic activations quantized per row (token)");
        }
        Map<String, Tensor> feeds = inputs(Engine.load(model, options).inputs(), batch, seq, data, 0);
        long heapBefore = usedHeapAfterGc();
        long rssBefore = residentBytes();
        LoadedModel tare = load(model, options, mode, batch, seq, data, notes);
        long int8Layers = tare.plan().stepOpTypes().stream()
                .filter(o -> o.startsWith("tare:Int8") || o.equals("MatMulInteger") || o.startsWith("QLinear")).count();
        notes.add("engine plan: " + tare.plan().stepOpTypes().size() + " steps, " + int8Layers + " INT8 layers"
                + (int8Layers > 0 && mode == ExecutionMode.FP32 ? " (pre-quantized model, runs natively in INT8)" : ""));
        LoadedModel.ModelSession session = tare.newSession();
        Map<String, Tensor> tareOut = session.run(feeds);
        long tareHeap = usedHeapAfterGc() - heapBefore;
        long tareRss = residentBytes() - rssBefore;

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OrtSession> ortSessions = new ArrayList<>();
        List<Long> ortRss = new ArrayList<>();
        Map<String, OnnxTensor> ortFeeds = toOrt(env, feeds);
        List<String> agreement = new ArrayList<>();
        // ONNX Runtime's library and allocators are set up by a session on another model, kept open so
        // that the measured sessions cannot reuse memory it freed
        OrtSession libraryWarmUp = warmUpOrtLibrary(env, threads);
        try {
            for (Path p : ortModels) {
                long before = residentBytes();
                OrtSession s = env.createSession(p.toString(), ortOptions(threads));
                try (OrtSession.Result r = s.run(ortFeeds)) {
                    agreement.add(compare(tareOut, r));
                }
                ortRss.add(residentBytes() - before);
                ortSessions.add(s);
            }
            List<Runner> runners = new ArrayList<>();
            List<String> names = new ArrayList<>();
            names.add("tare:" + model.getFileName() + " (" + mode.name().toLowerCase(Locale.ROOT) + ")");
            runners.add(() -> session.run(feeds));
            for (int i = 0; i < ortSessions.size(); i++) {
                OrtSession s = ortSessions.get(i);
                names.add("ort:" + ortModels.get(i).getFileName());
                runners.add(() -> s.run(ortFeeds).close());
            }
            List<Timing> timings = measure(names, runners, batch, seconds);
            StepProfile profile = flags.isOn("profile") ? profile(tare, session, feeds, seconds * PROFILE_SHARE) : null;
            report(flags.isOn("json"), model, batch, threads, mode, pinned, notes, timings, agreement,
                    flags.isOn("memory") ? new long[] {tareHeap, tareRss} : null, ortRss, profile);
        } finally {
            libraryWarmUp.close();
            for (OrtSession s : ortSessions) {
                s.close();
            }
            for (OnnxTensor t : ortFeeds.values()) {
                t.close();
            }
        }
        return 0;
    }

    /** Where the engine's time goes: profiled runs for {@code seconds}, after the timed ones. */
    private static StepProfile profile(LoadedModel tare, LoadedModel.ModelSession session, Map<String, Tensor> feeds,
            double seconds) {
        StepProfile profile = tare.plan().newProfile();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            session.run(feeds, profile);
        } while (System.nanoTime() < end);
        return profile;
    }

    /** Loads the engine model in the requested mode; STATIC as the server builds it, calibrating a float model first. */
    private static LoadedModel load(Path model, EngineOptions options, ExecutionMode mode, int batch, int seq,
            float[] data, List<String> notes) {
        if (mode != ExecutionMode.STATIC) {
            return Engine.load(model, options.withMode(mode));
        }
        TareEngineModels models = new TareEngineModels(model, new TareModelParameters(TareModelParameters.Mode.STATIC,
                options.perRowActivations(), options.weightBits()), options);
        if (models.preQuantized()) {
            notes.add("static: the file's own activation scales (pre-quantized, runs natively in INT8)");
            return models.build(null, QuantizationTap.NONE);
        }
        Map<String, float[]> ranges = new ConcurrentHashMap<>();
        QuantizationTap tap = new QuantizationTap() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public void observe(String tensorName, float[] values, int length) {
                float[] r = ranges.computeIfAbsent(tensorName, k -> new float[] {0f, 0f});
                for (int i = 0; i < length; i++) {
                    r[0] = Math.min(r[0], values[i]);
                    r[1] = Math.max(r[1], values[i]);
                }
            }
        };
        LoadedModel calibrating = models.build(null, tap);
        int batches = Math.max(4, (CALIBRATION_SAMPLES + batch - 1) / batch);
        for (int b = 0; b < batches; b++) {
            calibrating.run(inputs(calibrating.inputs(), batch, seq, data, (b + 1) * batch));
        }
        if (ranges.isEmpty()) {
            throw new Flags.UsageException("static: " + model + " has no layer the engine quantizes");
        }
        Map<String, ScaleTable.Range> entries = new LinkedHashMap<>();
        ranges.forEach((name, r) -> entries.put(name, ScaleTable.Range.ofMinMax(r[0], r[1])));
        notes.add("static: min/max ranges of " + entries.size() + " activations calibrated on the first "
                + batches + " batches of the input data, then promoted to INT8 QDQ as the server does");
        return models.build(new ScaleTable(1, entries), QuantizationTap.NONE);
    }

    private static OrtSession.SessionOptions ortOptions(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        o.addConfigEntry("session.intra_op.allow_spinning", "0");
        if (threads > 1) {
            // affinities of the threads ORT creates (the caller is the first intra-op thread), 1-based CPUs
            int[] cpus = CpuAffinity.allowedCpus();
            List<String> each = new ArrayList<>();
            for (int t = 1; t < threads; t++) {
                each.add(Integer.toString(cpus[t % cpus.length] + 1));
            }
            o.addConfigEntry("session.intra_op_thread_affinities", String.join(";", each));
        }
        return o;
    }

    /**
     * Loads ONNX Runtime's native library and thread pools with a one-node model written here (a
     * float Relu), so that the memory deltas measured afterwards are the benchmarked models' own.
     */
    private static OrtSession warmUpOrtLibrary(OrtEnvironment env, int threads) throws OrtException {
        io.tare.proto.onnx.TypeProto floatType = io.tare.proto.onnx.TypeProto.newBuilder()
                .setTensorType(io.tare.proto.onnx.TypeProto.Tensor.newBuilder().setElemType(1)
                        .setShape(io.tare.proto.onnx.TensorShapeProto.newBuilder().addDim(
                                io.tare.proto.onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(4))))
                .build();
        io.tare.proto.onnx.ModelProto relu = io.tare.proto.onnx.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(io.tare.proto.onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(io.tare.proto.onnx.GraphProto.newBuilder().setName("warm-up")
                        .addNode(io.tare.proto.onnx.NodeProto.newBuilder().setOpType("Relu").addInput("x")
                                .addOutput("y"))
                        .addInput(io.tare.proto.onnx.ValueInfoProto.newBuilder().setName("x").setType(floatType))
                        .addOutput(io.tare.proto.onnx.ValueInfoProto.newBuilder().setName("y").setType(floatType)))
                .build();
        OrtSession s = env.createSession(relu.toByteArray(), ortOptions(threads));
        try (OnnxTensor x = OnnxTensor.createTensor(env, new float[] {1f, -1f, 2f, -2f});
                OrtSession.Result r = s.run(Map.of("x", x))) {
            r.size();
        }
        return s;
    }

    private static List<Timing> measure(List<String> names, List<Runner> runners, int batch, double seconds)
            throws Exception {
        int sides = runners.size();
        long[][] latencies = new long[sides][1 << 20];
        int[] counts = new int[sides];
        for (Runner r : runners) { // warm-up: JIT, buffers, ORT arenas
            double warmUp = Math.clamp(seconds / 2, MIN_WARM_UP_SECONDS, MAX_WARM_UP_SECONDS);
            long end = System.nanoTime() + (long) (warmUp * 1e9);
            while (System.nanoTime() < end) {
                r.runOnce();
            }
        }
        int rounds = Math.max(MIN_ROUNDS, (int) Math.round(seconds));
        long slice = (long) (seconds * 1e9 / rounds);
        double[][] roundThroughput = new double[sides][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int s = 0; s < sides; s++) {
                long end = System.nanoTime() + slice;
                long runNanos = 0;
                int runs = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    runners.get(s).runOnce();
                    long t1 = System.nanoTime();
                    runNanos += t1 - t0;
                    runs++;
                    if (counts[s] < latencies[s].length) {
                        latencies[s][counts[s]++] = t1 - t0;
                    }
                }
                roundThroughput[s][round] = runs * (double) batch / (runNanos / 1e9);
            }
        }
        List<Timing> out = new ArrayList<>();
        for (int s = 0; s < sides; s++) {
            long[] l = Arrays.copyOf(latencies[s], counts[s]);
            Arrays.sort(l);
            long total = 0;
            for (long v : l) {
                total += v;
            }
            double throughput = l.length * (double) batch / (total / 1e9);
            out.add(new Timing(names.get(s), throughput, l[l.length / 2] / 1e3,
                    l[Math.min(l.length - 1, (int) (l.length * 0.99))] / 1e3, l.length, roundThroughput[s]));
        }
        return out;
    }

    /**
     * The median over rounds of {@code a[r] / b[r]}: the engines' ratio robust to a slowdown of the
     * machine that falls on one side in a few rounds, which moves the ratio of the totals.
     */
    static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        Arrays.sort(r);
        int n = r.length;
        return n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    }

    private static void report(boolean json, Path model, int batch, int threads, ExecutionMode mode, boolean pinned,
            List<String> notes, List<Timing> timings, List<String> agreement, long[] tareMemory, List<Long> ortRss,
            StepProfile profile) {
        Timing tare = timings.getFirst();
        if (json) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "{\"model\":\"%s\",\"batch\":%d,\"threads\":%d,\"mode\":\"%s\","
                    + "\"caller_pinned\":%s,\"notes\":[%s],\"results\":[", escape(model.toString()), batch, threads,
                    mode.name().toLowerCase(Locale.ROOT), pinned,
                    String.join(",", notes.stream().map(n -> "\"" + escape(n) + "\"").toList())));
            for (int i = 0; i < timings.size(); i++) {
                Timing t = timings.get(i);
                sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"name\":\"%s\",\"throughput\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"runs\":%d,"
                                + "\"tare_throughput_ratio\":%.3f,\"tare_round_ratio_median\":%.3f,"
                                + "\"tare_p50_ratio\":%.3f%s}",
                        escape(t.name()), t.throughput(), t.p50Us(), t.p99Us(), t.runs(),
                        tare.throughput() / t.throughput(), medianRatio(tare.roundThroughput(), t.roundThroughput()),
                        t.p50Us() / tare.p50Us(),
                        i == 0 ? "" : ",\"agreement\":\"" + escape(agreement.get(i - 1)) + "\""
                                + (tareMemory == null ? "" : ",\"ort_rss_delta_bytes\":" + ortRss.get(i - 1))));
            }
            sb.append("]");
            if (tareMemory != null) {
                sb.append(String.format(Locale.ROOT, ",\"tare_heap_retained_bytes\":%d,\"tare_rss_delta_bytes\":%d",
                        tareMemory[0], tareMemory[1]));
            }
            if (profile != null) {
                sb.append(",\"profile\":").append(ProfileReport.json(profile));
            }
            System.out.println(sb.append("}"));
            return;
        }
        System.out.printf(Locale.ROOT, "model %s, batch %d, threads %d, mode %s, caller pinned: %s%n", model, batch,
                threads, mode.name().toLowerCase(Locale.ROOT), pinned);
        notes.forEach(n -> System.out.println("  note: " + n));
        System.out.printf(Locale.ROOT, "%-44s %12s %10s %10s %9s %14s %12s %12s%n", "engine", "items/s", "p50 us",
                "p99 us", "runs", "tare thr x", "tare p50 x", "round thr x");
        for (Timing t : timings) {
            System.out.printf(Locale.ROOT, "%-44s %12.1f %10.1f %10.1f %9d %14.2f %12.2f %12.2f%n", t.name(),
                    t.throughput(), t.p50Us(), t.p99Us(), t.runs(), tare.throughput() / t.throughput(),
                    t.p50Us() / tare.p50Us(), medianRatio(tare.roundThroughput(), t.roundThroughput()));
        }
        System.out.println("  round thr x: the median over the alternating rounds of Tare's throughput over the engine's"
                + " in the same round (a disturbance that hits one side for a few rounds moves it little)");
        for (int i = 0; i < agreement.size(); i++) {
            System.out.println("  outputs vs " + timings.get(i + 1).name() + ": " + agreement.get(i));
        }
        if (tareMemory != null) {
            System.out.printf(Locale.ROOT, "  memory: tare heap retained by the loaded model after one run %.2f MiB "
                    + "(process RSS delta %.2f MiB)%n", tareMemory[0] / 1048576.0, tareMemory[1] / 1048576.0);
            for (int i = 0; i < ortRss.size(); i++) {
                System.out.printf(Locale.ROOT, "  memory: %s process RSS delta for session + one run %.2f MiB"
                        + " (tare heap / this = %.3f)%n", timings.get(i + 1).name(), ortRss.get(i) / 1048576.0,
                        tareMemory[0] / (double) ortRss.get(i));
            }
        }
        if (profile != null) {
            ProfileReport.print(profile);
        }
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Max |difference| and (for [batch, classes] outputs) top-1 agreement of the first outputs. */
    private static String compare(Map<String, Tensor> tareOut, OrtSession.Result ort) throws OrtException {
        Tensor t = tareOut.values().iterator().next();
        OnnxTensor o = (OnnxTensor) ort.get(0);
        if (t.type() != DataType.FLOAT || o.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
            return "not compared (non-float output)";
        }
        float[] b = new float[t.size()];
        FloatBuffer fb = o.getFloatBuffer();
        if (fb.remaining() != b.length) {
            return "output sizes differ: " + t.size() + " vs " + fb.remaining();
        }
        fb.get(b);
        float[] a = t.floats();
        double maxDiff = 0;
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < b.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        String s = String.format(Locale.ROOT, "max |diff| %.3g, cosine %.6f", maxDiff, dot / Math.sqrt(na * nb));
        if (t.rank() == 2) {
            int rows = t.dim(0);
            int cols = t.dim(1);
            int agree = 0;
            for (int r = 0; r < rows; r++) {
                agree += argmax(a, r * cols, cols) == argmax(b, r * cols, cols) ? 1 : 0;
            }
            s += String.format(Locale.ROOT, ", top-1 agreement %d/%d", agree, rows);
        }
        return s;
    }

    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Inputs of the declared shapes: the first axis is the batch, other symbolic axes take {@code seq}.
     * {@code offset} picks which rows of {@code data} (or which random stream) to use.
     */
    static Map<String, Tensor> inputs(List<ValueInfo> infos, int batch, int seq, float[] data, int offset) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Random random = new Random(17 + offset);
        for (ValueInfo info : infos) {
            int[] shape = new int[info.rank()];
            for (int d = 0; d < shape.length; d++) {
                long dim = info.dims()[d];
                shape[d] = d == 0 ? batch : dim >= 0 ? (int) dim : seq;
            }
            int n = Tensor.sizeOf(shape);
            String name = info.name().toLowerCase(Locale.ROOT);
            Tensor t = switch (info.type()) {
                case FLOAT -> {
                    float[] f = new float[n];
                    if (data != null && infos.size() == 1) {
                        int rowsInData = Math.max(1, data.length / (n / batch) - batch);
                        int first = (offset % rowsInData) * (n / batch);
                        System.arraycopy(data, first, f, 0, Math.min(n, data.length - first));
                    } else {
                        for (int i = 0; i < n; i++) {
                            f[i] = (float) random.nextGaussian();
                        }
                    }
                    yield Tensor.ofFloats(shape, f);
                }
                case INT64, INT32 -> {
                    Tensor v = Tensor.allocate(info.type(), shape);
                    for (int i = 0; i < n; i++) {
                        long value = name.contains("mask") ? 1 : name.contains("type") ? 0
                                : (i % shape[shape.length - 1] == 0 ? 101 : 1000 + random.nextInt(20000));
                        v.setLong(i, value);
                    }
                    yield v;
                }
                default -> throw new Flags.UsageException("input '" + info.name() + "' of type " + info.type()
                        + " has no synthetic data here");
            };
            feeds.put(info.name(), t);
        }
        return feeds;
    }

    private static Map<String, OnnxTensor> toOrt(OrtEnvironment env, Map<String, Tensor> feeds) throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
            Tensor t = e.getValue();
            long[] dims = Arrays.stream(t.shape()).asLongStream().toArray();
            OnnxTensor o = switch (t.type()) {
                case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats(), 0, t.size()), dims);
                case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs(), 0, t.size()), dims);
                case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(t.ints(), 0, t.size()), dims);
                default -> throw new IllegalArgumentException("no ONNX Runtime tensor for " + t.type());
            };
            out.put(e.getKey(), o);
        }
        return out;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size of this process (Linux), or 0 where /proc is absent. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return 0;
    }

    private static float[] readFloats(Path file) throws java.io.IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
