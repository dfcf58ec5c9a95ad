package io.tare.server.quantize;

import io.tare.client.data.Datatype;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calibration or evaluation data for every data input of a model, streamed batch by batch.
 *
 * <ul>
 *   <li>A model with one data input takes one file ({@link SampleFile}), or a directory holding it.</li>
 *   <li>A model with several takes a directory with one file per input, named after the input
 *       ({@link #fileStem}) with the extension {@code .npy} or the raw extension of its type:
 *       {@code input_ids.npy, attention_mask.npy, token_type_ids.npy} for a BERT-style encoder.
 *       Sample {@code i} of the set is row {@code i} of every file, so all files must hold the
 *       same number of samples. Other files in the directory are ignored.</li>
 * </ul>
 * Not thread-safe; close it.
 */
public final class SampleSet implements AutoCloseable {

    /**
     * One batch of one input.
     *
     * @param shape {@code [samples] + sample shape}
     * @param data  little-endian elements, C order; valid until the set's next read
     */
    public record InputBatch(ModelInput input, long[] shape, ByteBuffer data) {

        public Datatype datatype() {
            return input.datatype();
        }

        public float[] floats() {
            float[] out = new float[data.remaining() / Float.BYTES];
            data.asFloatBuffer().get(out);
            return out;
        }

        public long[] longs() {
            long[] out = new long[data.remaining() / Long.BYTES];
            data.asLongBuffer().get(out);
            return out;
        }

        public int[] ints() {
            int[] out = new int[data.remaining() / Integer.BYTES];
            data.asIntBuffer().get(out);
            return out;
        }

        /** Element {@code i} as a double, whatever the type (masks and other integer inputs). */
        public double valueAt(int i) {
            return switch (input.datatype()) {
                case FP32 -> data.getFloat(i * Float.BYTES);
                case INT64 -> data.getLong(i * Long.BYTES);
                default -> data.getInt(i * Integer.BYTES);
            };
        }
    }

    /** The next samples of every input; {@code samples == 0} at the end. */
    public record Batch(int samples, Map<String, InputBatch> inputs) {

        public InputBatch input(String name) {
            return inputs.get(name);
        }
    }

    private final Path path;
    private final List<SampleFile> files;
    private final ModelInputs inputs;
    private final long sampleCount;

    private SampleSet(Path path, List<SampleFile> files, ModelInputs inputs, long sampleCount) {
        this.path = path;
        this.files = files;
        this.inputs = inputs;
        this.sampleCount = sampleCount;
    }

    /**
     * @param declaredShape the shape of one sample of each raw file ({@code --shape}), or null
     * @throws QuantizeException when a file is missing, unreadable or disagrees with the model or the other files
     */
    public static SampleSet open(Path path, int[] declaredShape, ModelInputs inputs) {
        List<SampleFile> files = new ArrayList<>();
        try {
            if (Files.isDirectory(path)) {
                for (ModelInput in : inputs.inputs()) {
                    files.add(SampleFile.open(fileFor(path, in), declaredShape, in));
                }
            } else if (inputs.inputs().size() == 1) {
                files.add(SampleFile.open(path, declaredShape, inputs.inputs().getFirst()));
            } else {
                throw new QuantizeException("the model has " + inputs.inputs().size() + " data inputs " + inputs.names()
                        + ": give a directory with one file per input (" + String.join(", ",
                        inputs.inputs().stream().map(i -> fileStem(i.name()) + ".npy").toList()) + "), not the file " + path);
            }
            long count = files.getFirst().sampleCount();
            for (SampleFile f : files) {
                if (f.sampleCount() != count) {
                    throw new QuantizeException(path + ": " + files.getFirst().path().getFileName() + " holds " + count + " samples but "
                            + f.path().getFileName() + " holds " + f.sampleCount() + "; every input needs one row per sample");
                }
            }
            SampleSet set = new SampleSet(path, files, inputs, count);
            files = List.of();
            return set;
        } finally {
            files.forEach(SampleFile::close);
        }
    }

    /**
     * The file name (without extension) that holds {@code inputName}'s samples in a directory: the
     * name with every character other than letters, digits, {@code . _ -} replaced by {@code _}
     * (ONNX names such as {@code /embeddings/x} or {@code input:0} are not file names).
     */
    public static String fileStem(String inputName) {
        return inputName.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static Path fileFor(Path dir, ModelInput in) {
        String stem = fileStem(in.name());
        String raw = switch (in.datatype()) {
            case FP32 -> ".f32";
            case INT64 -> ".i64";
            default -> ".i32";
        };
        Path npy = dir.resolve(stem + ".npy");
        Path rawFile = dir.resolve(stem + raw);
        if (Files.isRegularFile(npy) && Files.isRegularFile(rawFile)) {
            throw new QuantizeException(dir + " holds both " + npy.getFileName() + " and " + rawFile.getFileName()
                    + " for model input '" + in.name() + "'; keep one");
        }
        if (Files.isRegularFile(npy)) {
            return npy;
        }
        if (Files.isRegularFile(rawFile)) {
            return rawFile;
        }
        throw new QuantizeException(dir + " has no file for model input '" + in.name() + "' (" + in.datatype() + "): expected "
                + npy.getFileName() + " or " + rawFile.getFileName());
    }

    /** The file or directory the samples came from. */
    public Path path() {
        return path;
    }

    public ModelInputs inputs() {
        return inputs;
    }

    public long sampleCount() {
        return sampleCount;
    }

    public void rewind() {
        files.forEach(SampleFile::rewind);
    }

    /** Reads up to {@code maxSamples} of the next samples of every input. */
    public Batch read(int maxSamples) {
        Map<String, InputBatch> out = new LinkedHashMap<>();
        int n = 0;
        for (int i = 0; i < files.size(); i++) {
            SampleFile f = files.get(i);
            ByteBuffer data = f.read(maxSamples);
            n = data.remaining() / (f.sampleElements() * f.datatype().byteSize());
            int[] sample = f.sampleShape();
            long[] shape = new long[sample.length + 1];
            shape[0] = n;
            for (int d = 0; d < sample.length; d++) {
                shape[d + 1] = sample[d];
            }
            out.put(inputs.inputs().get(i).name(), new InputBatch(inputs.inputs().get(i), shape, data));
        }
        return new Batch(n, out);
    }

    @Override
    public void close() {
        files.forEach(SampleFile::close);
    }
}
