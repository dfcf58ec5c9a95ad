package io.tare.server.repository;

import com.google.protobuf.TextFormat;
import io.tare.proto.inference.ModelConfig;
import io.tare.proto.inference.ModelInput;
import io.tare.proto.inference.ModelOutput;
import io.tare.proto.inference.ModelParameter;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Triton's config.pbtxt (protobuf text format of {@code inference.ModelConfig}) for the
 * fields Tare supports, and checks the declared tensors against what the model file really has.
 * A field Tare does not know is an error naming the file, line and field: silently ignoring it
 * would serve a model differently from what its author asked.
 */
public final class ModelConfigLoader {
    public static final String FILE_NAME = "config.pbtxt";

    private ModelConfigLoader() {
    }

    /** The model folder's config, or an empty config when it has none. */
    public static ModelConfig read(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        String modelName = modelDir.getFileName().toString();
        if (!Files.exists(file)) {
            return ModelConfig.newBuilder().setName(modelName).build();
        }
        ModelConfig.Builder builder = ModelConfig.newBuilder();
        try {
            TextFormat.Parser.newBuilder().build().merge(Files.readString(file, StandardCharsets.UTF_8), builder);
        } catch (TextFormat.ParseException e) {
            throw TareException.invalid(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw TareException.invalid(file + ": cannot read: " + e.getMessage());
        }
        ModelConfig config = builder.build();
        if (!config.getName().isEmpty() && !config.getName().equals(modelName)) {
            throw TareException.invalid(file + ": field 'name' is '" + config.getName()
                    + "' but the model folder is '" + modelName + "'");
        }
        if (config.getMaxBatchSize() < 0) {
            throw TareException.invalid(file + ": field 'max_batch_size' must be >= 0");
        }
        if (config.getInstanceGroupList().stream().anyMatch(g -> g.getCount() < 0)) {
            throw TareException.invalid(file + ": field 'instance_group.count' must be >= 0");
        }
        if (config.getDynamicBatching().getPreferredBatchSizeList().stream().anyMatch(s -> s <= 0)) {
            throw TareException.invalid(file + ": field 'dynamic_batching.preferred_batch_size' must be > 0");
        }
        return config.toBuilder().setName(modelName).build();
    }

    /** Config {@code parameters} as plain strings. */
    public static Map<String, String> parameters(ModelConfig config) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ModelParameter> e : config.getParametersMap().entrySet()) {
            out.put(e.getKey(), e.getValue().getStringValue());
        }
        return out;
    }

    /**
     * Checks the config's declared inputs/outputs against the model and returns the complete
     * config (Triton's "auto-complete"): every tensor, the batch size and the backend filled in.
     */
    public static ModelConfig complete(Path modelDir, ModelConfig config, ModelSignature signature,
                                       String backend, String platform) {
        Path file = modelDir.resolve(FILE_NAME);
        for (ModelInput declared : config.getInputList()) {
            TensorSpec actual = signature.input(declared.getName()).orElseThrow(() -> TareException.invalid(
                    file + ": input '" + declared.getName() + "' is not an input of the model (it has "
                            + signature.inputNames() + ")"));
            check(file, "input", declared.getName(), declared.getDataType(), declared.getDimsList(), actual);
        }
        for (ModelOutput declared : config.getOutputList()) {
            TensorSpec actual = signature.output(declared.getName()).orElseThrow(() -> TareException.invalid(
                    file + ": output '" + declared.getName() + "' is not an output of the model (it has "
                            + signature.outputNames() + ")"));
            check(file, "output", declared.getName(), declared.getDataType(), declared.getDimsList(), actual);
        }
        ModelConfig.Builder complete = config.toBuilder().clearInput().clearOutput()
                .setMaxBatchSize(signature.maxBatchSize()).setBackend(backend).setPlatform(platform);
        for (TensorSpec in : signature.inputs()) {
            complete.addInput(ModelInput.newBuilder().setName(in.name())
                    .setDataType(ConfigDatatypes.toConfig(in.datatype())).addAllDims(boxed(in.dims())));
        }
        for (TensorSpec out : signature.outputs()) {
            complete.addOutput(ModelOutput.newBuilder().setName(out.name())
                    .setDataType(ConfigDatatypes.toConfig(out.datatype())).addAllDims(boxed(out.dims())));
        }
        return complete.build();
    }

    private static void check(Path file, String kind, String name, io.tare.proto.inference.DataType type,
                              java.util.List<Long> dims, TensorSpec actual) {
        if (type != io.tare.proto.inference.DataType.TYPE_INVALID && type != ConfigDatatypes.toConfig(actual.datatype())) {
            throw TareException.invalid(file + ": " + kind + " '" + name + "' declares data_type " + type
                    + " but the model has " + ConfigDatatypes.toConfig(actual.datatype()));
        }
        if (!dims.isEmpty()) {
            long[] declared = dims.stream().mapToLong(Long::longValue).toArray();
            long[] real = actual.dims();
            boolean compatible = declared.length == real.length;
            for (int i = 0; compatible && i < real.length; i++) {
                compatible = real[i] < 0 || declared[i] == real[i];
            }
            if (!compatible) {
                throw TareException.invalid(file + ": " + kind + " '" + name + "' declares dims "
                        + Arrays.toString(declared) + " but the model has " + Arrays.toString(real)
                        + " (without the batch dimension when max_batch_size > 0)");
            }
        }
    }

    private static java.util.List<Long> boxed(long[] dims) {
        return Arrays.stream(dims).boxed().toList();
    }
}
