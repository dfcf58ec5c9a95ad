package io.tare.server.backend.tare;

import io.tare.server.backend.ModelSource;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorSpec;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.graph.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The served signature of an engine model, with the same batching rules as the onnxruntime backend. */
final class TareSignature {
    /** Largest batch formed for a model whose first dimension is dynamic and whose config sets none. */
    static final int DEFAULT_MAX_BATCH_SIZE = 64;

    private TareSignature() {
    }

    static ModelSignature of(ModelSource source, LoadedModel model) {
        int configured = source.config().getMaxBatchSize();
        boolean dynamicFirstDim = allDynamicFirstDim(model.inputs()) && allDynamicFirstDim(model.outputs());
        int maxBatch;
        if (configured > 0) {
            if (!dynamicFirstDim) {
                throw TareException.invalid("model '" + source.name() + "': config sets max_batch_size " + configured
                        + " but not every input and output of " + source.modelFile().getFileName()
                        + " has a dynamic first dimension");
            }
            maxBatch = configured;
        } else {
            maxBatch = dynamicFirstDim ? DEFAULT_MAX_BATCH_SIZE : 0;
        }
        return new ModelSignature(specs(model.inputs(), maxBatch > 0), specs(model.outputs(), maxBatch > 0), maxBatch);
    }

    private static boolean allDynamicFirstDim(List<ValueInfo> values) {
        for (ValueInfo v : values) {
            if (v.dims() == null || v.dims().length == 0 || v.dims()[0] >= 0) {
                return false;
            }
        }
        return !values.isEmpty();
    }

    private static List<TensorSpec> specs(List<ValueInfo> values, boolean batched) {
        List<TensorSpec> specs = new ArrayList<>();
        for (ValueInfo v : values) {
            long[] dims = batched ? Arrays.copyOfRange(v.dims(), 1, v.dims().length) : v.dims().clone();
            for (int i = 0; i < dims.length; i++) {
                dims[i] = dims[i] < 0 ? -1 : dims[i];
            }
            specs.add(new TensorSpec(v.name(), TensorConversion.serverType(v.type(), v.name()), dims));
        }
        return specs;
    }
}
