package io.tare.benchmarks;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime (CPU, MLAS) on the same shapes: {@code ort-fp32} (MatMul), {@code ort-int8}
 * (MatMulInteger u8 x s8 -> int32), {@code ort-dqint8} (DynamicQuantizeLinear + MatMulInteger +
 * Cast + Mul, fused by ORT into DynamicQuantizeMatMul). With 2 threads the extra intra-op thread is
 * pinned to the second CPU (the caller is pinned by KernelBench), as BUILD-NOTES advise. DRAM
 * cases build one session per weight copy and turn spinning off so idle sessions do not steal the
 * cores.
 */
final class OrtCases {
    private OrtCases() {
    }

    static boolean handles(String impl) {
        return impl.startsWith("ort-");
    }

    static BenchCase create(BenchSpec s) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int m = s.m(), k = s.k(), n = s.n();
        float[] w = KernelCases.randomFloats(k * n, 2);
        byte[] model;
        OnnxTensor input;
        long weightBytes;
        switch (s.impl()) {
            case "ort-fp32" -> {
                model = OnnxModels.matMulFp32(m, k, n, w);
                input = OnnxTensor.createTensor(env, FloatBuffer.wrap(KernelCases.randomFloats(m * k, 1)),
                        new long[] {m, k});
                weightBytes = 4L * k * n;
            }
            case "ort-int8", "ort-dqint8" -> {
                byte[] q = new byte[k * n];
                float absMax = 0;
                for (float v : w) {
                    absMax = Math.max(absMax, Math.abs(v));
                }
                for (int i = 0; i < q.length; i++) {
                    q[i] = (byte) Math.round(w[i] / absMax * 127f);
                }
                weightBytes = (long) k * n;
                if (s.impl().equals("ort-int8")) {
                    model = OnnxModels.matMulInteger(m, k, n, q);
                    ByteBuffer a = ByteBuffer.allocateDirect(m * k).order(ByteOrder.nativeOrder());
                    for (int i = 0; i < m * k; i++) {
                        a.put((byte) (i * 31));
                    }
                    a.rewind();
                    input = OnnxTensor.createTensor(env, a, new long[] {m, k}, OnnxJavaType.UINT8);
                } else {
                    model = OnnxModels.dynamicQuantMatMul(m, k, n, q, absMax / 127f);
                    input = OnnxTensor.createTensor(env, FloatBuffer.wrap(KernelCases.randomFloats(m * k, 1)),
                            new long[] {m, k});
                }
            }
            default -> throw new IllegalArgumentException("unknown implementation " + s.impl());
        }
        int copies = s.dram() ? (int) Math.max(1, (BenchSpec.DRAM_BYTES + weightBytes - 1) / weightBytes) : 1;
        OrtSession[] sessions = new OrtSession[copies];
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(s.threads());
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (s.threads() == 2) {
                opts.addConfigEntry("session.intra_op_thread_affinities", "2");
            }
            if (s.dram()) {
                opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            for (int i = 0; i < copies; i++) {
                sessions[i] = env.createSession(model, opts);
            }
        }
        Map<String, OnnxTensor> inputs = Map.of("A", input);
        return new BenchCase() {
            private int index;

            @Override
            public void run() throws OrtException {
                OrtSession session = sessions[index];
                index = index + 1 == copies ? 0 : index + 1;
                try (OrtSession.Result r = session.run(inputs)) {
                    if (r.size() != 1) {
                        throw new IllegalStateException("expected one output");
                    }
                }
            }

            @Override
            public void close() throws OrtException {
                for (OrtSession session : sessions) {
                    session.close();
                }
                input.close();
            }
        };
    }
}
