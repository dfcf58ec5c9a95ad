package io.tare.server.quantize;

import io.tare.client.data.Datatype;
import io.tare.client.data.TensorData;
import io.tare.client.data.TensorFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Class labels for accuracy checks, read by the client's readers: raw {@code .u8} (one byte per
 * sample; also {@code .i32}, {@code .i64}) or a {@code .npy} of u1/i4/i8.
 */
public final class LabelFile {

    private static final Set<Datatype> INTEGERS = Set.of(Datatype.UINT8, Datatype.INT32, Datatype.INT64);

    private LabelFile() {
    }

    /**
     * Reads every label.
     *
     * @param expected the number of samples they label; a different count is an error
     */
    public static int[] read(Path path, long expected) {
        String source = path.toString();
        TensorData t;
        try {
            if (Files.isRegularFile(path) && Files.size(path) == 0) {
                throw new QuantizeException(source + " is empty");
            }
            boolean npy = source.endsWith(".npy");
            t = TensorFiles.read(path, npy ? null : new long[] {-1});
        } catch (IOException | IllegalArgumentException e) {
            throw new QuantizeException("cannot read labels " + source + ": " + e.getMessage(), e);
        }
        if (!INTEGERS.contains(t.datatype())) {
            throw new QuantizeException(source + ": labels must be uint8, int32 or int64, not " + t.datatype());
        }
        long count = t.rank() == 0 ? 1 : t.rows();
        if (t.elementCount() != count) {
            throw new QuantizeException(source + ": labels are one class per sample, not an array of shape "
                    + Arrays.toString(t.shape()));
        }
        if (count != expected) {
            throw new QuantizeException(source + " holds " + count + " labels for " + expected + " samples");
        }
        int[] labels = new int[Math.toIntExact(count)];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = Math.toIntExact((long) t.doubleAt(i));
        }
        return labels;
    }
}
