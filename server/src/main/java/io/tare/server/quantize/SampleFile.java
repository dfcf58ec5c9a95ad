package io.tare.server.quantize;

import io.tare.client.data.Datatype;
import io.tare.client.data.NpyReader;
import io.tare.client.data.RawTensorFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The samples of one model input in one file, read front to back one batch at a time so that
 * memory never grows with the file: calibration over 5,000 samples holds as much as over 500.
 * Formats are the client's ({@code io.tare.client.data}): a {@code .npy} (its header read by
 * {@link NpyReader#readHeader}) or a raw little-endian file typed by its extension
 * ({@code .f32}, {@code .i64}, {@code .i32}; {@link RawTensorFile#datatypeOf}).
 *
 * <p>Validation happens before anything is computed from the data: an empty file, a size that is
 * not a whole number of samples, a sample shape that disagrees with the model, an element type
 * other than the input's, a big-endian {@code .npy}, and NaN or infinity in float data (reported
 * with the sample index) are each a {@link QuantizeException}. Not thread-safe; close it.
 */
public final class SampleFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final Datatype datatype;
    private final int[] sampleShape;
    private final int sampleBytes;
    private final long sampleCount;
    private final long bodyOffset;
    private long nextSample;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    private SampleFile(Path path, FileChannel channel, Datatype datatype, int[] sampleShape, long sampleCount, long bodyOffset) {
        this.path = path;
        this.channel = channel;
        this.datatype = datatype;
        this.sampleShape = sampleShape;
        this.sampleBytes = Math.multiplyExact(elementCount(sampleShape), datatype.byteSize());
        this.sampleCount = sampleCount;
        this.bodyOffset = bodyOffset;
    }

    /**
     * Opens the samples of {@code input}.
     *
     * @param declaredShape the shape of one sample ({@code --shape}), or null to take it from the
     *                      {@code .npy} header or, for raw files, from the model
     */
    public static SampleFile open(Path path, int[] declaredShape, ModelInput input) {
        String source = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new QuantizeException("calibration data " + source + " does not exist or is not a file");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            long size = channel.size();
            if (size == 0) {
                throw new QuantizeException(source + " is empty");
            }
            Datatype type;
            int[] shape;
            long body;
            long count;
            if (source.endsWith(".npy")) {
                NpyReader.Header h = NpyReader.readHeader(Channels.newInputStream(channel), source);
                type = h.datatype();
                checkType(type, input, source);
                if (h.bigEndian() && type.byteSize() > 1) {
                    throw new QuantizeException(source + " is big-endian; save it little-endian ('<' dtype)");
                }
                if (h.shape().length < 1 || h.shape()[0] == 0) {
                    throw new QuantizeException(source + " holds no samples (shape " + Arrays.toString(h.shape()) + ")");
                }
                int[] fileShape = new int[h.shape().length - 1];
                for (int i = 0; i < fileShape.length; i++) {
                    fileShape[i] = Math.toIntExact(h.shape()[i + 1]);
                }
                shape = declaredShape != null ? declaredShape : fileShape;
                if (elementCount(shape) != elementCount(fileShape)) {
                    throw new QuantizeException(source + ": --shape " + Arrays.toString(shape)
                            + " disagrees with the file's sample shape " + Arrays.toString(fileShape));
                }
                body = h.bodyOffset();
                count = h.shape()[0];
                if (size - body != count * elementCount(shape) * type.byteSize()) {
                    throw new QuantizeException(source + ": body of " + (size - body) + " bytes does not match its header shape "
                            + Arrays.toString(h.shape()));
                }
            } else {
                type = rawType(path);
                checkType(type, input, source);
                shape = declaredShape != null ? declaredShape : staticShape(input, source);
                body = 0;
                long bytesPerSample = (long) elementCount(shape) * type.byteSize();
                if (size % bytesPerSample != 0) {
                    throw new QuantizeException(source + ": " + size + " bytes is not a whole number of " + type + " samples of shape "
                            + Arrays.toString(shape) + " (" + bytesPerSample + " bytes each): wrong --shape, or not " + type + " data?");
                }
                count = size / bytesPerSample;
            }
            checkAgainstModel(shape, input, source);
            SampleFile f = new SampleFile(path, channel, type, shape, count, body);
            channel = null;
            return f;
        } catch (IOException e) {
            throw new QuantizeException("cannot read " + source + ": " + e.getMessage(), e);
        } finally {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the open failed already; that error is the one to report
                }
            }
        }
    }

    private static Datatype rawType(Path path) {
        try {
            return RawTensorFile.datatypeOf(path);
        } catch (IllegalArgumentException e) {
            throw new QuantizeException(e.getMessage(), e);
        }
    }

    private static void checkType(Datatype type, ModelInput input, String source) {
        if (type != input.datatype()) {
            throw new QuantizeException(source + " holds " + type + " elements, but model input '" + input.name() + "' takes "
                    + input.datatype());
        }
    }

    private static int[] staticShape(ModelInput input, String source) {
        if (Arrays.stream(input.sampleShape()).anyMatch(d -> d < 0)) {
            throw new QuantizeException(source + ": a raw file needs --shape (the sample shape of model input '" + input.name()
                    + "' is not fixed: " + input.describeShape() + ")");
        }
        return input.sampleShape().clone();
    }

    private static void checkAgainstModel(int[] shape, ModelInput input, String source) {
        int[] model = input.sampleShape();
        boolean ok = shape.length == model.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = model[i] < 0 || model[i] == shape[i];
        }
        if (!ok) {
            throw new QuantizeException(source + ": sample shape " + Arrays.toString(shape) + " does not fit model input '"
                    + input.name() + "', which takes [batch]+" + input.describeShape());
        }
    }

    static int elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new QuantizeException("sample dimensions must be positive: " + Arrays.toString(shape));
            }
            n *= d;
        }
        return Math.toIntExact(n);
    }

    public Path path() {
        return path;
    }

    public Datatype datatype() {
        return datatype;
    }

    /** Shape of one sample (without the batch dimension). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    public int sampleElements() {
        return sampleBytes / datatype.byteSize();
    }

    public long sampleCount() {
        return sampleCount;
    }

    /** Rewinds to the first sample (calibration passes over the data more than once). */
    public void rewind() {
        nextSample = 0;
    }

    /**
     * Reads up to {@code maxSamples} of the next samples (C order, one after the other).
     *
     * @return a little-endian view of their bytes, valid until the next read; empty at the end
     * @throws QuantizeException on NaN or infinity in float data, naming the sample
     */
    public ByteBuffer read(int maxSamples) {
        int n = (int) Math.max(0, Math.min(maxSamples, sampleCount - nextSample));
        int bytes = n * sampleBytes;
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes);
        }
        buffer.clear().limit(bytes);
        long at = bodyOffset + nextSample * sampleBytes;
        try {
            while (buffer.hasRemaining()) {
                int r = channel.read(buffer, at + buffer.position());
                if (r < 0) {
                    throw new QuantizeException(path + " ended early (was it truncated while being read?)");
                }
            }
        } catch (IOException e) {
            throw new QuantizeException("cannot read " + path + ": " + e.getMessage(), e);
        }
        buffer.flip();
        ByteBuffer view = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (datatype == Datatype.FP32) {
            checkFinite(view.asFloatBuffer());
        }
        nextSample += n;
        return view;
    }

    private void checkFinite(FloatBuffer values) {
        int elements = sampleElements();
        for (int i = 0; i < values.limit(); i++) {
            float v = values.get(i);
            if (!Float.isFinite(v)) {
                throw new QuantizeException(path + ": sample " + (nextSample + i / elements) + " holds " + v
                        + " (element " + (i % elements) + "); calibration data must be finite");
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new QuantizeException("cannot close " + path + ": " + e.getMessage(), e);
        }
    }
}
