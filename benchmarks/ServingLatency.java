import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.client.TareClientOptions;
import io.tare.client.data.Datatype;
import io.tare.client.http.TareHttpClient;
import io.tare.kernels.pool.CpuAffinity;
import io.tare.proto.inference.ModelStatistics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Serial latency probe (issue 2, concurrency 1): one caller, one image per request, no load
 * generator machinery. Run with `java -cp ... benchmarks/ServingLatency.java MODE ...` (source launch):
 *
 *   ort  MODEL.onnx DATA.f32 WARMUP_S MEASURE_S [CPU]   in-process ONNX Runtime, the server's session options
 *   grpc HOST:PORT MODEL DATA.f32 WARMUP_S MEASURE_S   blocking TareClient loop (+ server-side queue/compute)
 *   http HOST:PORT MODEL DATA.f32 WARMUP_S MEASURE_S   blocking TareHttpClient loop (binary extension)
 *   floor PORT MODEL.onnx                               the floor: a bare grpc-java server (directExecutor)
 *                                                       running ONNX Runtime on its event loop, no scheduler
 *
 * Prints one line: mode, requests, p50/p90/p99/mean in microseconds (and, for grpc, the server's mean
 * queue wait and compute per request over the measured window from ModelStatistics).
 */
public class ServingLatency {
    static final int IMAGE_FLOATS = 28 * 28;

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        switch (mode) {
            case "ort" -> ort(args);
            case "grpc", "http" -> remote(mode, args);
            case "floor" -> floor(args);
            default -> throw new IllegalArgumentException(mode);
        }
    }

    static byte[][] images(Path data, int max) throws Exception {
        byte[] all = Files.readAllBytes(data);
        int n = Math.min(max, all.length / (IMAGE_FLOATS * 4));
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(all, i * IMAGE_FLOATS * 4, (i + 1) * IMAGE_FLOATS * 4);
        }
        return out;
    }

    interface Call {
        void run(int i) throws Exception;
    }

    static long[] loop(Call call, double warmupS, double measureS) throws Exception {
        long end = System.nanoTime() + (long) (warmupS * 1e9);
        int i = 0;
        while (System.nanoTime() < end) {
            call.run(i++);
        }
        long[] lat = new long[1 << 22];
        int n = 0;
        end = System.nanoTime() + (long) (measureS * 1e9);
        while (n < lat.length) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
                break;
            }
            call.run(i++);
            lat[n++] = System.nanoTime() - t0;
        }
        return Arrays.copyOf(lat, n);
    }

    static String summary(String label, long[] lat) {
        long[] s = lat.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0);
        return String.format("%-10s n=%d p50=%d p90=%d p99=%d mean=%.0f us", label, s.length,
                s[s.length / 2] / 1000, s[(int) (s.length * 0.9)] / 1000, s[(int) (s.length * 0.99)] / 1000, mean / 1000);
    }

    /** The server's ONNX Runtime backend settings: one intra-op thread, no spinning between runs. */
    static OrtSession.SessionOptions sessionOptions() throws Exception {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(1);
        o.setInterOpNumThreads(1);
        o.addConfigEntry("session.intra_op.allow_spinning", "0");
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return o;
    }

    static void ort(String[] args) throws Exception {
        byte[][] images = images(Path.of(args[2]), 2000);
        if (args.length > 5 && CpuAffinity.isSupported()) {
            CpuAffinity.pinCurrentThread(Integer.parseInt(args[5]));
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = sessionOptions();
        try (OrtSession session = env.createSession(args[1], o)) {
            String input = session.getInputNames().iterator().next();
            ByteBuffer buf = ByteBuffer.allocateDirect(IMAGE_FLOATS * 4).order(ByteOrder.nativeOrder());
            long[] shape = {1, 1, 28, 28};
            long[] lat = loop(i -> {
                buf.clear();
                buf.put(images[i % images.length]).flip();
                try (OnnxTensor t = OnnxTensor.createTensor(env, buf.asFloatBuffer(), shape);
                     OrtSession.Result r = session.run(Map.of(input, t))) {
                    r.get(0).getValue();
                }
            }, Double.parseDouble(args[3]), Double.parseDouble(args[4]));
            System.out.println(summary("ort", lat));
        }
    }

    /** Not a design to copy: compute on the event loop, which Tare forbids; only the floor to compare with. */
    static void floor(String[] args) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = sessionOptions();
        OrtSession session = env.createSession(args[2], o);
        String input = session.getInputNames().iterator().next();
        io.grpc.Server server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forPort(Integer.parseInt(args[1]))
                .directExecutor().addService(new io.tare.proto.inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {
                    @Override
                    public void modelInfer(io.tare.proto.inference.ModelInferRequest request,
                                           io.grpc.stub.StreamObserver<io.tare.proto.inference.ModelInferResponse> out) {
                        try {
                            ByteBuffer in = request.getRawInputContents(0).asReadOnlyByteBuffer();
                            ByteBuffer direct = ByteBuffer.allocateDirect(in.remaining()).order(ByteOrder.nativeOrder());
                            direct.put(in).flip();
                            long[] shape = request.getInputs(0).getShapeList().stream().mapToLong(Long::longValue).toArray();
                            try (OnnxTensor t = OnnxTensor.createTensor(env, direct.asFloatBuffer(), shape);
                                 OrtSession.Result r = session.run(Map.of(input, t))) {
                                OnnxTensor y = (OnnxTensor) r.get(0);
                                var b = io.tare.proto.inference.ModelInferResponse.newBuilder().setModelName(request.getModelName());
                                b.addOutputsBuilder().setName(r.iterator().next().getKey()).setDatatype("FP32")
                                        .addAllShape(Arrays.stream(y.getInfo().getShape()).boxed().toList());
                                b.addRawOutputContents(com.google.protobuf.ByteString.copyFrom(y.getByteBuffer()));
                                out.onNext(b.build());
                                out.onCompleted();
                            }
                        } catch (Exception e) {
                            out.onError(io.grpc.Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                        }
                    }
                }).build().start();
        server.awaitTermination();
    }

    static ModelStatistics statistics(TareClient client, String model) {
        try {
            return client.modelStatistics(model).getModelStats(0);
        } catch (RuntimeException e) {
            return null; // the floor server has no statistics
        }
    }

    static void remote(String mode, String[] args) throws Exception {
        String target = args[1];
        String model = args[2];
        byte[][] images = images(Path.of(args[3]), 2000);
        double warm = Double.parseDouble(args[4]);
        double measure = Double.parseDouble(args[5]);
        long[] shape = {1, 1, 28, 28};
        List<InferInput>[] inputs = new List[images.length];
        for (int i = 0; i < images.length; i++) {
            inputs[i] = List.of(InferInput.ofBytes("input", Datatype.FP32, shape, images[i]));
        }
        if (mode.equals("grpc")) {
            try (TareClient client = TareClient.connect(target)) {
                loop(i -> client.infer(model, inputs[i % inputs.length]), warm, 0);
                ModelStatistics before = statistics(client, model);
                long[] lat = loop(i -> client.infer(model, inputs[i % inputs.length]), 0, measure);
                ModelStatistics after = statistics(client, model);
                String server = "";
                if (before != null) {
                    long n = after.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount();
                    double queue = (after.getInferenceStats().getQueue().getNs() - before.getInferenceStats().getQueue().getNs()) / 1e3 / n;
                    double compute = (after.getInferenceStats().getComputeInfer().getNs() - before.getInferenceStats().getComputeInfer().getNs()) / 1e3 / n;
                    double total = (after.getInferenceStats().getSuccess().getNs() - before.getInferenceStats().getSuccess().getNs()) / 1e3 / n;
                    server = String.format("  server means: queue=%.0f compute=%.0f submit-to-complete=%.0f us", queue, compute, total);
                }
                System.out.println(summary("grpc", lat) + server);
            }
        } else {
            try (TareHttpClient client = TareHttpClient.connect(target)) {
                long[] lat = loop(i -> client.infer(model, inputs[i % inputs.length]), warm, measure);
                System.out.println(summary("http", lat));
            }
        }
    }
}
