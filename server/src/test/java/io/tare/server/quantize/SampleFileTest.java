package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.proto.onnx.ModelProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleFileTest {

    @TempDir
    Path tmp;

    /** The same samples as .npy (shape from its header) and as raw .f32 (shape from the model) read identically, batch by batch. */
    @Test
    void npyAndRawFilesReadTheSameSamples() throws IOException {
        byte[] raw = Files.readAllBytes(FmnistFixtures.calibration());
        int samples = 100;
        Path npy = NpyFiles.write(tmp.resolve("calib100.npy"), "<f4", new long[] {samples, 1, 28, 28},
                ByteBuffer.wrap(raw, 0, samples * 784 * 4));
        ModelProto cnn = FmnistFixtures.read(FmnistFixtures.cnn());
        ModelInput model = ModelInputs.of(cnn.getGraph()).inputs().getFirst();
        try (SampleFile n = SampleFile.open(npy, null, model); SampleFile r = SampleFile.open(FmnistFixtures.calibration(), null, model)) {
            assertEquals(samples, n.sampleCount());
            assertEquals(512, r.sampleCount());
            assertArrayEquals(new int[] {1, 28, 28}, n.sampleShape());
            int total = 0;
            ByteBuffer a;
            while ((a = n.read(30)).hasRemaining()) {
                byte[] fromNpy = new byte[a.remaining()];
                a.get(fromNpy);
                ByteBuffer c = r.read(fromNpy.length / (784 * 4));
                byte[] fromRaw = new byte[c.remaining()];
                c.get(fromRaw);
                assertArrayEquals(fromRaw, fromNpy);
                total += fromNpy.length / (784 * 4);
            }
            assertEquals(samples, total);
            assertArrayEquals(Arrays.copyOfRange(raw, 0, 784 * 4), bytes(reread(npy, model)));
        }
    }

    private static ByteBuffer reread(Path npy, ModelInput model) {
        try (SampleFile f = SampleFile.open(npy, null, model)) {
            ByteBuffer b = f.read(1);
            return ByteBuffer.allocate(b.remaining()).put(b).flip();
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
