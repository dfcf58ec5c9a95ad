package io.tare.server.cli;

import io.tare.proto.inference.ModelConfig;
import io.tare.server.backend.Backend;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.BackendRegistry;
import io.tare.server.backend.ModelInstance;
import io.tare.server.backend.ModelSource;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code tare eval}: runs a model file over a data set through a serving backend and reports top-1
 * accuracy (or agreement with reference outputs), model size, latency and throughput. Going through
 * the Backend SPI means the numbers are those of the code that serves.
 */
final class EvalCommand {
    static final String USAGE = """
            tare eval --model M.onnx [--backend tare|onnxruntime] [--mode fp32|dynamic|static] [--weight-bits 8|7|auto]
                      --data X (--labels Y | --reference-output R) [--shape 1,28,28] [--batch N] [--limit N] [--json]
              Top-1 accuracy (or cosine / max-abs error against reference outputs), model size, latency
              p50/p99 per batch and throughput. Data: .npy, or raw little-endian .f32/.i64 with --shape.
              --weight-bits: the bits the tare backend quantizes float weights to: 8 (max|w| / 127), 7
              (max|w| / 63), or auto (default): 7 where the native kernels run them faster (AVX2, no VNNI).""";

    private EvalCommand() {
    }

    static int run(String[] args) throws Exception {
        Flags flags = Flags.parse(args, 1, Set.of("model", "backend", "mode", "data", "labels", "reference-output",
                "shape", "batch", "limit", "weight-bits"), Set.of("json"));
        Path model = Path.of(Options.required(flags, "model"));
        if (!Files.isRegularFile(model)) {
            throw new Flags.UsageException("--model " + model + " is not a file");
        }
        Dataset data = Dataset.read(Path.of(Options.required(flags, "data")), Dataset.parseShape(flags.get("shape", null)));
        int batch = flags.getInt("batch", 1);
        int samples = Math.min(data.rows(), flags.getInt("limit", data.rows()));
        if (!flags.has("labels") && !flags.has("reference-output")) {
            throw new Flags.UsageException("eval needs --labels or --reference-output");
        }
        BackendModel loaded = load(flags, model, Math.max(batch, 1));
        try (loaded) {
            TensorSpec input = loaded.signature().inputs().getFirst();
            String output = loaded.signature().outputs().getFirst().name();
            ModelInstance instance = loaded.createInstance(0);
            float[][] outputs = new float[samples][];
            long[] latencies = new long[(samples + batch - 1) / batch];
            long start = System.nanoTime();
            for (int first = 0, b = 0; first < samples; first += batch, b++) {
                int count = Math.min(batch, samples - first);
                long t0 = System.nanoTime();
                TensorData out = instance.execute(List.of(data.batch(input.name(), first, count)), List.of(output)).getFirst();
                latencies[b] = System.nanoTime() - t0;
                float[] values = new float[out.byteSize() / 4];
                out.data().asFloatBuffer().get(values);
                int perRow = values.length / count;
                for (int i = 0; i < count; i++) {
                    outputs[first + i] = Arrays.copyOfRange(values, i * perRow, (i + 1) * perRow);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            instance.close();
            Arrays.sort(latencies);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", model.toString());
            report.put("backend", flags.get("backend", "onnxruntime"));
            report.put("mode", flags.get("mode", "fp32"));
            if (flags.get("backend", "onnxruntime").equals("tare")) {
                report.put("weight_bits", Options.weightBits(flags));
            }
            report.put("samples", samples);
            report.put("batch", batch);
            if (flags.has("labels")) {
                int[] labels = Dataset.read(Path.of(flags.get("labels", null)), Dataset.FLAT).asLabels();
                report.put("accuracy", OutputAgreement.top1Accuracy(outputs, labels));
            }
            if (flags.has("reference-output")) {
                float[] reference = Dataset.read(Path.of(flags.get("reference-output", null)), Dataset.FLAT).asFloats();
                OutputAgreement.Errors errors = OutputAgreement.against(outputs, reference);
                report.put("min_cosine", errors.minCosine());
                report.put("mean_cosine", errors.meanCosine());
                report.put("max_abs_error", errors.maxAbsError());
                report.put("top1_agreement", errors.top1Agreement());
            }
            report.put("model_bytes", Files.size(model));
            report.put("p50_ms", latencies[latencies.length / 2] / 1e6);
            report.put("p99_ms", latencies[Math.min(latencies.length - 1, (int) (latencies.length * 0.99))] / 1e6);
            report.put("throughput", samples / seconds);
            System.out.println(flags.isOn("json") ? Json.object(report) : Json.lines(report));
            return 0;
        }
    }

    static BackendModel load(Flags flags, Path model, int maxBatch) {
        String backendName = flags.get("backend", "onnxruntime");
        ModelConfig config = ModelConfig.newBuilder().setName("eval").setMaxBatchSize(maxBatch).setBackend(backendName).build();
        Map<String, String> parameters = new LinkedHashMap<>();
        if (flags.has("mode")) {
            parameters.put("mode", flags.get("mode", "fp32").toLowerCase(Locale.ROOT));
        }
        if (backendName.equals("tare")) {
            parameters.put("weight_bits", Integer.toString(Options.weightBits(flags)));
        }
        ModelSource source = new ModelSource("eval", "1", model, config, parameters);
        Backend backend = BackendRegistry.discover().select(source);
        return backend.load(source);
    }
}
