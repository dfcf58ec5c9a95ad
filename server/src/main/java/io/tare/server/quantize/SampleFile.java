package io.tare.server.quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A file of float32 samples (raw little-endian {@code .f32}, or a {@code .npy} of {@code <f4}),
 * read front to back one batch at a time so that memory never grows with the file: calibration
 * over 5,000 samples holds as much as calibration over 500.
 *
 * <p>Validation happens before anything is computed from the data: an empty file, a size that is
 * not a whole number of samples, a sample shape that disagrees with the model, the wrong
 * {@code .npy} element type, and NaN or infinity (reported with the sample index) are each a
 * {@link QuantizeException}. Not thread-safe; close it.
 */
public final class SampleFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final int[] sampleShape;
    private final int sampleElements;
    private final long sampleCount;
    private final long bodyOffset;
    private long nextSample;
    private ByteBuffer buffer = ByteBuffer.allocate(0);

    private SampleFile(Path path, FileChannel channel, int[] sampleShape, long sampleCount, long bodyOffset) {
        this.path = path;
        this.channel = channel;
        this.sampleShape = sampleShape;
        this.sampleElements = elementCount(sampleShape);
        this.sampleCount = sampleCount;
        this.bodyOffset = bodyOffset;
    }

    /**
     * Opens a sample file.
     *
     * @param declaredShape the shape of one sample ({@code --shape}), or null to take it from the
     *                      {@code .npy} header or, for raw files, from {@code modelShape}
     * @param modelShape    the model input's shape without its batch dimension; entries of -1 are
     *                      free. Null when unknown.
     */
    public static SampleFile open(Path path, int[] declaredShape, int[] modelShape) {
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
            int[] shape;
            long body;
            long count;
            if (source.endsWith(".npy")) {
                NpyHeader h = NpyHeader.read(channel, source);
                h.elementBytes(source, "f4");
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
                if (size - body != count * elementCount(shape) * 4L) {
                    throw new QuantizeException(source + ": body of " + (size - body) + " bytes does not match its header shape "
                            + Arrays.toString(h.shape()));
                }
            } else {
                shape = declaredShape != null ? declaredShape : staticShape(modelShape, source);
                body = 0;
                long bytesPerSample = elementCount(shape) * 4L;
                if (size % bytesPerSample != 0) {
                    throw new QuantizeException(source + ": " + size + " bytes is not a whole number of float32 samples of shape "
                            + Arrays.toString(shape) + " (" + bytesPerSample + " bytes each): wrong --shape, or not float32 data?");
                }
                count = size / bytesPerSample;
            }
            checkAgainstModel(shape, modelShape, source);
            SampleFile f = new SampleFile(path, channel, shape, count, body);
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

    private static int[] staticShape(int[] modelShape, String source) {
        if (modelShape == null || Arrays.stream(modelShape).anyMatch(d -> d < 0)) {
            throw new QuantizeException(source + ": a raw .f32 file needs --shape (the model input's sample shape is not fixed: "
                    + Arrays.toString(modelShape) + ")");
        }
        return modelShape.clone();
    }

    private static void checkAgainstModel(int[] shape, int[] modelShape, String source) {
        if (modelShape == null) {
            return;
        }
        boolean ok = shape.length == modelShape.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = modelShape[i] < 0 || modelShape[i] == shape[i];
        }
        if (!ok) {
            throw new QuantizeException(source + ": sample shape " + Arrays.toString(shape)
                    + " does not fit the model input, which takes [batch]+" + Arrays.toString(modelShape).replace("-1", "?"));
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

    /** Shape of one sample (without the batch dimension). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    public int sampleElements() {
        return sampleElements;
    }

    public long sampleCount() {
        return sampleCount;
    }

    /** Rewinds to the first sample (calibration passes over the data more than once). */
    public void rewind() {
        nextSample = 0;
    }

    /**
     * Reads up to {@code maxSamples} of the next samples into {@code dst} (C order, one after the
     * other).
     *
     * @return samples read; 0 at the end
     * @throws QuantizeException on NaN or infinity, naming the sample
     */
    public int read(float[] dst, int maxSamples) {
        int n = (int) Math.min(maxSamples, sampleCount - nextSample);
        if (n <= 0) {
            return 0;
        }
        int bytes = n * sampleElements * 4;
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.clear().limit(bytes);
        long at = bodyOffset + nextSample * sampleElements * 4L;
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
        buffer.asFloatBuffer().get(dst, 0, n * sampleElements);
        for (int i = 0; i < n * sampleElements; i++) {
            if (!Float.isFinite(dst[i])) {
                long sample = nextSample + i / sampleElements;
                throw new QuantizeException(path + ": sample " + sample + " holds " + dst[i]
                        + " (element " + (i % sampleElements) + "); calibration data must be finite");
            }
        }
        nextSample += n;
        return n;
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
