package io.tare.server.quantize;

/**
 * Symmetric weight quantization (zero point 0, round half to even, as ONNX QuantizeLinear):
 * per tensor, per output channel, or per block of {@code G} along an axis (weight-only INT4). The
 * largest magnitude of each group maps to {@code qmax} = 127 (8-bit), 63 (7-bit "reduce range",
 * which leaves headroom for hardware whose int16 accumulation of two products would otherwise
 * overflow) or 7 (4-bit; -8 is never used, so the grid stays symmetric). An all-zero group gets
 * scale 1.
 */
public final class WeightQuantizer {

    private WeightQuantizer() {
    }

    /** Where each element's scale lives. */
    record Layout(long[] dims, int axis, int blockSize) {

        int groups() {
            if (axis < 0) {
                return 1;
            }
            if (blockSize == 0) {
                return (int) dims[axis];
            }
            long n = 1;
            for (int d = 0; d < dims.length; d++) {
                n *= d == axis ? blocksAlong() : dims[d];
            }
            return (int) n;
        }

        private long blocksAlong() {
            return (dims[axis] + blockSize - 1) / blockSize;
        }

        int scaleIndex(int element) {
            if (axis < 0) {
                return 0;
            }
            long inner = 1;
            for (int d = axis + 1; d < dims.length; d++) {
                inner *= dims[d];
            }
            long along = (element / inner) % dims[axis];
            if (blockSize == 0) {
                return (int) along;
            }
            long outer = element / (inner * dims[axis]);
            long innerIndex = element % inner;
            return (int) ((outer * blocksAlong() + along / blockSize) * inner + innerIndex);
        }

        /** The shape of the scale tensor ONNX DequantizeLinear expects. */
        long[] scaleDims() {
            if (axis < 0) {
                return new long[0];
            }
            if (blockSize == 0) {
                return new long[] {dims[axis]};
            }
            long[] s = dims.clone();
            s[axis] = blocksAlong();
            return s;
        }
    }

    /**
     * @param axis      output-channel axis for per-channel, -1 for per-tensor
     * @param blockSize 0, or the block length along {@code axis} (blocked INT4)
     * @param bits      8, 7 or 4
     */
    public static QuantizedWeight quantize(float[] w, long[] dims, int axis, int blockSize, int bits) {
        int qmax = switch (bits) {
            case 8 -> 127;
            case 7 -> 63;
            case 4 -> 7;
            default -> throw new IllegalArgumentException("bits must be 8, 7 or 4: " + bits);
        };
        Layout layout = new Layout(dims, axis, blockSize);
        float[] absMax = new float[layout.groups()];
        for (int i = 0; i < w.length; i++) {
            int g = layout.scaleIndex(i);
            absMax[g] = Math.max(absMax[g], Math.abs(w[i]));
        }
        float[] scales = new float[absMax.length];
        for (int g = 0; g < scales.length; g++) {
            scales[g] = absMax[g] > 0 ? absMax[g] / qmax : 1f;
        }
        byte[] q = new byte[w.length];
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < w.length; i++) {
            float s = scales[layout.scaleIndex(i)];
            int v = (int) Math.max(-qmax, Math.min(qmax, Math.rint(w[i] / s)));
            q[i] = (byte) v;
            double e = w[i] - v * s;
            signal += (double) w[i] * w[i];
            noise += e * e;
        }
        return new QuantizedWeight(q, scales, axis, blockSize, bits, Sqnr.decibels(signal, noise));
    }
}
