package io.tare.server.quantize;

/**
 * A weight quantized symmetrically (zero point 0): {@code w ≈ q * scale}.
 *
 * @param values one signed value per weight element, in the weight's layout
 * @param scales one scale (per tensor), one per index of {@code axis} (per channel), or one per
 *               block (blocked, laid out as the weight's shape with the blocked axis divided by
 *               {@code blockSize}, rounded up)
 * @param axis   the channel or blocked axis, -1 per tensor
 * @param blockSize block length along {@code axis}, 0 unless blocked
 * @param bits   8, 7 (reduced range, stored in int8) or 4
 * @param sqnrDb signal-to-quantization-noise ratio of the weight itself, in dB
 */
public record QuantizedWeight(byte[] values, float[] scales, int axis, int blockSize, int bits, double sqnrDb) {

    /** The dequantized weight. */
    public float[] dequantize(long[] dims) {
        float[] out = new float[values.length];
        WeightQuantizer.Layout layout = new WeightQuantizer.Layout(dims, axis, blockSize);
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] * scales[layout.scaleIndex(i)];
        }
        return out;
    }
}
