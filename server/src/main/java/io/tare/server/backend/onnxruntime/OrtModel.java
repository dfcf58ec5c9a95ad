package io.tare.server.backend.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ModelInstance;
import io.tare.server.backend.ModelSource;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session. {@link OrtSession#run} is thread-safe, so all instances share the
 * session and its weights; each instance is still driven by a single scheduler thread.
 */
final class OrtModel implements BackendModel {
    /** Largest batch formed for a model whose first dimension is dynamic and whose config sets none. */
    static final int DEFAULT_MAX_BATCH_SIZE = 64;
    /** Intra-op threads per session: parallelism comes from instances, one thread each. */
    static final int DEFAULT_INTRA_OP_THREADS = 1;

    private final OrtSession session;
    private final ModelSignature signature;

    private OrtModel(OrtSession session, ModelSignature signature) {
        this.session = session;
        this.signature = signature;
    }

    static OrtModel load(ModelSource source) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = sessionOptions(source.parameters())) {
            session = env.createSession(source.modelFile().toString(), options);
        } catch (OrtException e) {
            throw new TareException(ErrorCode.INVALID_ARG, "ONNX Runtime cannot load " + source.modelFile()
                    + ": " + e.getMessage(), e);
        }
        try {
            return new OrtModel(session, signatureOf(source, session));
        } catch (RuntimeException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the load already failed; the first error is the one worth reporting
            }
            if (e instanceof TareException te) {
                throw te;
            }
            throw new TareException(ErrorCode.INVALID_ARG, "cannot read the signature of " + source.modelFile()
                    + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(Map<String, String> parameters) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        int threads = Integer.parseInt(parameters.getOrDefault("intra_op_thread_count",
                String.valueOf(DEFAULT_INTRA_OP_THREADS)));
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        // ORT's pool spins between runs by default; in a server that burns the cores other requests need.
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    private static ModelSignature signatureOf(ModelSource source, OrtSession session) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        int configured = source.config().getMaxBatchSize();
        boolean dynamicFirstDim = allDynamicFirstDim(inputs) && allDynamicFirstDim(outputs);
        int maxBatch;
        if (configured > 0) {
            if (!dynamicFirstDim) {
                throw TareException.invalid("model '" + source.name() + "': config sets max_batch_size "
                        + configured + " but not every input and output of " + source.modelFile().getFileName()
                        + " has a dynamic first dimension");
            }
            maxBatch = configured;
        } else {
            maxBatch = dynamicFirstDim ? DEFAULT_MAX_BATCH_SIZE : 0;
        }
        return new ModelSignature(specs(inputs, maxBatch > 0), specs(outputs, maxBatch > 0), maxBatch);
    }

    private static boolean allDynamicFirstDim(Map<String, NodeInfo> infos) {
        for (NodeInfo info : infos.values()) {
            if (!(info.getInfo() instanceof TensorInfo t) || t.getShape().length == 0 || t.getShape()[0] >= 0) {
                return false;
            }
        }
        return !infos.isEmpty();
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> infos, boolean batched) {
        List<TensorSpec> specs = new ArrayList<>();
        for (NodeInfo info : infos.values()) {
            if (!(info.getInfo() instanceof TensorInfo t)) {
                throw new TareException(ErrorCode.UNSUPPORTED, "'" + info.getName() + "' is not a tensor");
            }
            long[] shape = t.getShape();
            long[] dims = batched ? Arrays.copyOfRange(shape, 1, shape.length) : shape.clone();
            for (int i = 0; i < dims.length; i++) {
                dims[i] = dims[i] < 0 ? -1 : dims[i];
            }
            specs.add(new TensorSpec(info.getName(), OrtTypes.toDatatype(t.type, info.getName()), dims));
        }
        return specs;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public String platform() {
        return "onnxruntime_onnx";
    }

    @Override
    public ModelInstance createInstance(int index) {
        return new OrtInstance(session, signature);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new TareException(ErrorCode.INTERNAL, "closing ONNX Runtime session failed: " + e.getMessage(), e);
        }
    }
}
