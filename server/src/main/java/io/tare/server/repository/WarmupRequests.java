package io.tare.server.repository;

import io.tare.client.data.Datatype;
import io.tare.proto.inference.ModelConfig;
import io.tare.proto.inference.ModelWarmup;
import io.tare.server.backend.ModelInstance;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Triton's {@code model_warmup}: request samples that every instance of a model runs, in order,
 * before the model is ready, so that the first real requests do not pay for cold code paths (a
 * JIT-compiled server runs its first requests interpreted). A sample names every model input with
 * its data type and its dims without the batch dimension, and takes its data from zeros, random
 * values (floats uniform in [0, 1), integers in [0, 127], booleans; strings are empty, as in
 * Triton) or a raw file in the model folder's {@code warmup/} directory (row-major little-endian
 * bytes of one batch element; BYTES as 4-byte length-prefixed elements). Every input is checked
 * against the model when it loads; a sample that does not fit, or fails to run, fails the load.
 */
final class WarmupRequests {
    static final String DATA_DIR = "warmup";

    /** One sample: its inputs (already batched) and how many times each instance runs it. */
    record Sample(String name, List<TensorData> inputs, int runs) {
    }

    private WarmupRequests() {
    }

    /** The config's samples as tensors; throws INVALID_ARGUMENT naming the file and field where one does not fit. */
    static List<Sample> of(Path modelDir, ModelConfig config, ModelSignature signature) {
        List<Sample> samples = new ArrayList<>();
        Path file = modelDir.resolve(ModelConfigLoader.FILE_NAME);
        for (ModelWarmup warmup : config.getModelWarmupList()) {
            String where = file + ": model_warmup '" + warmup.getName() + "'";
            int batch = warmup.getBatchSize();
            if (batch < 1) {
                throw TareException.invalid(where + ": batch_size must be >= 1");
            }
            if (!signature.batches() && batch != 1) {
                throw TareException.invalid(where + ": batch_size must be 1 for a model that does not batch");
            }
            if (signature.batches() && batch > signature.maxBatchSize()) {
                throw TareException.invalid(where + ": batch_size " + batch + " exceeds max_batch_size "
                        + signature.maxBatchSize());
            }
            for (String name : warmup.getInputsMap().keySet()) {
                if (signature.input(name).isEmpty()) {
                    throw TareException.invalid(where + ": '" + name + "' is not an input of the model (it has "
                            + signature.inputNames() + ")");
                }
            }
            List<TensorData> inputs = new ArrayList<>();
            Random random = new Random(samples.size()); // the same data at every load
            for (TensorSpec spec : signature.inputs()) {
                ModelWarmup.Input input = warmup.getInputsMap().get(spec.name());
                if (input == null) {
                    throw TareException.invalid(where + ": input '" + spec.name()
                            + "' is missing (every model input needs data)");
                }
                inputs.add(tensor(modelDir, where + " input '" + spec.name() + "'", spec, input, batch, signature,
                        random));
            }
            samples.add(new Sample(warmup.getName(), inputs, Math.max(1, warmup.getCount())));
        }
        return samples;
    }

    /** Runs every sample on every instance, in order; a failure fails the load, naming the sample. */
    static void run(List<Sample> samples, List<ModelInstance> instances, List<String> outputNames) {
        for (Sample sample : samples) {
            for (ModelInstance instance : instances) {
                for (int r = 0; r < sample.runs(); r++) {
                    try {
                        instance.execute(sample.inputs(), outputNames);
                    } catch (RuntimeException e) {
                        throw TareException.invalid("model_warmup '" + sample.name() + "' failed: " + e.getMessage());
                    }
                }
            }
        }
    }

    private static TensorData tensor(Path modelDir, String where, TensorSpec spec, ModelWarmup.Input input, int batch,
            ModelSignature signature, Random random) {
        Datatype type = spec.datatype();
        if (input.getDataType() != ConfigDatatypes.toConfig(type)) {
            throw TareException.invalid(where + ": data_type " + input.getDataType() + " but the model has "
                    + ConfigDatatypes.toConfig(type));
        }
        long[] dims = input.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long[] model = spec.dims();
        boolean fits = dims.length == model.length;
        long elements = 1;
        for (int i = 0; fits && i < dims.length; i++) {
            fits = dims[i] >= 0 && (model[i] < 0 || model[i] == dims[i]);
            // capped just past 2^31 elements, so that any dims multiply without overflow
            elements = Math.min(1L << 31, elements * Math.min(Math.max(dims[i], 0), 1L << 31));
        }
        if (!fits) {
            throw TareException.invalid(where + ": dims " + java.util.Arrays.toString(dims) + " do not fit the model's "
                    + java.util.Arrays.toString(model) + " (without the batch dimension, every dim given)");
        }
        if (elements * elementBytes(type) > Integer.MAX_VALUE / batch) {
            throw TareException.invalid(where + ": dims " + java.util.Arrays.toString(dims) + " at batch_size "
                    + batch + " exceed 2 GiB");
        }
        byte[] one = switch (input.getInputDataTypeCase()) {
            case ZERO_DATA -> zeros(type, elements);
            case RANDOM_DATA -> random(type, elements, random);
            case INPUT_DATA_FILE -> file(modelDir, where, input.getInputDataFile(), type, elements);
            case INPUTDATATYPE_NOT_SET -> throw TareException.invalid(where
                    + ": set one of zero_data, random_data or input_data_file");
        };
        long[] shape = dims;
        if (signature.batches()) {
            shape = new long[dims.length + 1];
            shape[0] = batch;
            System.arraycopy(dims, 0, shape, 1, dims.length);
        }
        ByteBuffer data = ByteBuffer.allocate(Math.multiplyExact(one.length, batch)).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < batch; b++) {
            data.put(one);
        }
        return new TensorData(spec.name(), type, shape, data.flip());
    }

    /** Bytes per element of generated data: a BYTES element is an empty string, its 4-byte zero length. */
    private static int elementBytes(Datatype type) {
        return type.isFixedSize() ? type.byteSize() : 4;
    }

    private static byte[] zeros(Datatype type, long elements) {
        return new byte[Math.toIntExact(elements * elementBytes(type))];
    }

    private static byte[] random(Datatype type, long elements, Random random) {
        int n = Math.toIntExact(elements);
        ByteBuffer b = ByteBuffer.allocate(n * elementBytes(type)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case FP32 -> b.putFloat(random.nextFloat());
                case FP64 -> b.putDouble(random.nextDouble());
                case FP16 -> b.putShort(Float.floatToFloat16(random.nextFloat()));
                case BF16 -> b.putShort((short) (Float.floatToRawIntBits(random.nextFloat()) >>> 16));
                case BOOL -> b.put((byte) random.nextInt(2));
                case INT8, UINT8 -> b.put((byte) random.nextInt(128));
                case INT16, UINT16 -> b.putShort((short) random.nextInt(128));
                case INT32, UINT32 -> b.putInt(random.nextInt(128));
                case INT64, UINT64 -> b.putLong(random.nextInt(128));
                case BYTES -> b.putInt(0);
            }
        }
        return b.array();
    }

    private static byte[] file(Path modelDir, String where, String name, Datatype type, long elements) {
        Path dir = modelDir.resolve(DATA_DIR).normalize();
        Path path = dir.resolve(name).normalize();
        if (name.isEmpty() || !path.startsWith(dir) || path.equals(dir)) {
            throw TareException.invalid(where + ": input_data_file '" + name + "' must name a file in " + dir);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw TareException.invalid(where + ": cannot read input_data_file " + path + ": " + e.getMessage());
        }
        long want = type.isFixedSize() ? elements * type.byteSize() : -1;
        if (type.isFixedSize() && bytes.length != want) {
            throw TareException.invalid(where + ": input_data_file " + path + " has " + bytes.length + " bytes, "
                    + "the dims need " + want);
        }
        if (!type.isFixedSize() && countStrings(bytes) != elements) {
            throw TareException.invalid(where + ": input_data_file " + path + " does not hold " + elements
                    + " 4-byte length-prefixed strings");
        }
        return bytes;
    }

    /** Length-prefixed strings in {@code bytes}, or -1 when they do not end exactly at its end. */
    private static long countStrings(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long count = 0;
        while (b.remaining() >= 4) {
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                return -1;
            }
            b.position(b.position() + length);
            count++;
        }
        return b.hasRemaining() ? -1 : count;
    }
}
