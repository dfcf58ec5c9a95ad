package io.tare.server.cli;

import io.tare.kernels.pool.CpuAffinity;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ModelInstance;
import io.tare.server.backend.ModelSource;
import io.tare.server.backend.onnxruntime.OnnxRuntimeBackend;
import io.tare.proto.inference.ModelConfig;
import io.tare.client.data.Datatype;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tare bench ort}: ONNX Runtime in-process on the same model, through the same backend
 * code the server uses but without any server, as the baseline a serving benchmark is compared
 * with. Batch 1 on one thread gives the latency floor; batch N on T pinned threads (one instance
 * each, as the server runs them) gives the batched throughput ceiling.
 */
final class OrtBaselineCommand {
    static final String USAGE = """
            tare bench ort --model M.onnx --data X.f32 [--batch 1,64] [--threads 2] [--seconds 5] [--json]
              In-process ONNX Runtime: p50/p99 latency and throughput per batch size, the serving baseline.""";

    private OrtBaselineCommand() {
    }

    static int run(String[] args) throws Exception {
        Flags flags = Flags.parse(args, 2, Set.of("model", "data", "batch", "threads", "seconds"), Set.of("json"));
        Path model = Path.of(Options.required(flags, "model"));
        Path data = Path.of(Options.required(flags, "data"));
        int threads = flags.getInt("threads", Runtime.getRuntime().availableProcessors());
        double seconds = Double.parseDouble(flags.get("seconds", "5"));
        int[] batches = Arrays.stream(flags.get("batch", "1,64").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> rows = new ArrayList<>();
        try (BackendModel loaded = new OnnxRuntimeBackend().load(new ModelSource("baseline", "1", model,
                ModelConfig.newBuilder().setMaxBatchSize(Arrays.stream(batches).max().orElse(1)).build(), Map.of()))) {
            TensorSpec input = loaded.signature().inputs().getFirst();
            List<String> outputs = loaded.signature().outputNames();
            float[] pool = readFloats(data);
            int rowFloats = (int) Arrays.stream(input.dims()).reduce(1, (a, b) -> a * b);
            for (int batch : batches) {
                rows.add(measure(loaded, input, outputs, pool, rowFloats, batch, 1, seconds));
                if (threads > 1) {
                    rows.add(measure(loaded, input, outputs, pool, rowFloats, batch, threads, seconds));
                }
            }
        }
        if (flags.isOn("json")) {
            System.out.println("[" + String.join(",", rows) + "]");
        } else {
            rows.forEach(System.out::println);
        }
        return 0;
    }

    private static String measure(BackendModel model, TensorSpec input, List<String> outputs, float[] pool,
                                  int rowFloats, int batch, int threads, double seconds) throws InterruptedException {
        int rowsInPool = pool.length / rowFloats;
        long[] shape = new long[input.dims().length + 1];
        shape[0] = batch;
        System.arraycopy(input.dims(), 0, shape, 1, input.dims().length);
        AtomicLong inferences = new AtomicLong();
        long[][] latencies = new long[threads][];
        CountDownLatch done = new CountDownLatch(threads);
        long warmupEnd = System.nanoTime() + 1_000_000_000L;
        long end = warmupEnd + (long) (seconds * 1e9);
        int[] cpus = CpuAffinity.allowedCpus();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread.ofPlatform().start(() -> {
                CpuAffinity.pinCurrentThread(cpus[index % cpus.length]);
                ModelInstance instance = model.createInstance(index);
                long[] lat = new long[1 << 20];
                int n = 0;
                int row = index * 97;
                while (System.nanoTime() < end) {
                    TensorData x = rows(input.name(), shape, pool, rowFloats, row % Math.max(1, rowsInPool - batch), batch);
                    row += batch;
                    long start = System.nanoTime();
                    instance.execute(List.of(x), outputs);
                    long stop = System.nanoTime();
                    if (start >= warmupEnd && n < lat.length) {
                        lat[n++] = stop - start;
                        inferences.addAndGet(batch);
                    }
                }
                latencies[index] = Arrays.copyOf(lat, n);
                instance.close();
                done.countDown();
            });
        }
        done.await();
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        double throughput = inferences.get() / seconds;
        return String.format(Locale.ROOT, "{\"name\":\"ort-inprocess\",\"batch\":%d,\"threads\":%d,"
                        + "\"throughput\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}", batch, threads, throughput,
                all[all.length / 2] / 1e3, all[(int) (all.length * 0.99)] / 1e3);
    }

    private static TensorData rows(String name, long[] shape, float[] pool, int rowFloats, int first, int count) {
        ByteBuffer b = ByteBuffer.allocateDirect(count * rowFloats * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(pool, first * rowFloats, count * rowFloats);
        return new TensorData(name, Datatype.FP32, shape, b);
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
