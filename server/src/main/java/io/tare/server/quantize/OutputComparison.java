package io.tare.server.quantize;

/**
 * How far a quantized model's output is from the FP32 model's, over the same samples.
 *
 * @param sqnrDb        {@code 10 log10(Σ y² / Σ (y - ŷ)²)} over all outputs
 * @param relativeError {@code ||y - ŷ|| / ||y||} over all outputs
 * @param meanCosine    mean over samples of the cosine similarity of the two output vectors
 * @param minCosine     the worst sample's cosine similarity
 * @param top1Agreement fraction of samples whose arg-max agrees
 */
public record OutputComparison(double sqnrDb, double relativeError, double meanCosine, double minCosine,
                               double top1Agreement) {

    /**
     * @param reference FP32 outputs, {@code samples * width}
     * @param candidate quantized outputs, same layout
     */
    public static OutputComparison of(float[] reference, float[] candidate, int samples) {
        if (reference.length != candidate.length || samples == 0 || reference.length % samples != 0) {
            throw new IllegalArgumentException("outputs of " + reference.length + " and " + candidate.length
                    + " values for " + samples + " samples");
        }
        int width = reference.length / samples;
        double signal = 0;
        double noise = 0;
        double cosSum = 0;
        double cosMin = Double.POSITIVE_INFINITY;
        int agree = 0;
        for (int s = 0; s < samples; s++) {
            double dot = 0;
            double rr = 0;
            double cc = 0;
            int base = s * width;
            for (int k = 0; k < width; k++) {
                double r = reference[base + k];
                double c = candidate[base + k];
                dot += r * c;
                rr += r * r;
                cc += c * c;
                noise += (r - c) * (r - c);
            }
            signal += rr;
            double cos = rr == 0 && cc == 0 ? 1 : dot / Math.sqrt(rr * cc);
            cosSum += cos;
            cosMin = Math.min(cosMin, cos);
            if (argMax(reference, base, width) == argMax(candidate, base, width)) {
                agree++;
            }
        }
        return new OutputComparison(Sqnr.decibels(signal, noise), signal == 0 ? 0 : Math.sqrt(noise / signal),
                cosSum / samples, cosMin, (double) agree / samples);
    }

    static int argMax(float[] v, int off, int len) {
        int best = 0;
        for (int k = 1; k < len; k++) {
            if (v[off + k] > v[off + best]) {
                best = k;
            }
        }
        return best;
    }
}
