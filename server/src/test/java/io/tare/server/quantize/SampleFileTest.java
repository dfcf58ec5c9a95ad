package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + samples + ", 1, 28, 28), }";
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + samples * 784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII)).put(raw, 0, samples * 784 * 4);
        Path npy = Files.write(tmp.resolve("calib100.npy"), b.array());
        int[] model = {1, 28, 28};
        try (SampleFile n = SampleFile.open(npy, null, model); SampleFile r = SampleFile.open(FmnistFixtures.calibration(), null, model)) {
            assertEquals(samples, n.sampleCount());
            assertEquals(512, r.sampleCount());
            assertArrayEquals(model, n.sampleShape());
            float[] a = new float[30 * 784];
            float[] c = new float[30 * 784];
            int total = 0;
            int got;
            while ((got = n.read(a, 30)) > 0) {
                assertEquals(got, r.read(c, got));
                assertArrayEquals(java.util.Arrays.copyOf(c, got * 784), java.util.Arrays.copyOf(a, got * 784));
                total += got;
            }
            assertEquals(samples, total);
        }
    }
}
