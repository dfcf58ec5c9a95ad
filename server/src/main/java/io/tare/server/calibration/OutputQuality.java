package io.tare.server.calibration;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;

/**
 * How close a model's outputs are to the float reference's, over a set of batches: top-1 agreement
 * (rows whose arg-max matches), mean cosine similarity per row and SQNR in dB over all values
 * ({@code 10 log10(sum ref^2 / sum (ref - out)^2)}, +inf when identical). Judged on one float output,
 * whose first dimension is the batch. Mutable accumulator; one thread.
 */
public final class OutputQuality {
    private long rows;
    private long agreeing;
    private double cosineSum;
    private double signal;
    private double noise;
    private long nonFinite;

    /** Adds one batch: {@code out} vs {@code ref}, same shape. */
    public void add(Tensor out, Tensor ref) {
        if (out.type() != DataType.FLOAT || ref.type() != DataType.FLOAT || out.size() != ref.size()) {
            throw new IllegalArgumentException("quality is judged on float outputs of equal size");
        }
        float[] o = out.floats();
        float[] r = ref.floats();
        int n = ref.size();
        int batch = ref.rank() >= 2 ? ref.dim(0) : 1;
        int width = batch == 0 ? 0 : n / batch;
        for (int b = 0; b < batch; b++) {
            int off = b * width;
            int bestO = off;
            int bestR = off;
            double dot = 0;
            double oo = 0;
            double rr = 0;
            for (int i = off; i < off + width; i++) {
                if (!Float.isFinite(o[i])) {
                    nonFinite++;
                }
                if (o[i] > o[bestO]) {
                    bestO = i;
                }
                if (r[i] > r[bestR]) {
                    bestR = i;
                }
                dot += (double) o[i] * r[i];
                oo += (double) o[i] * o[i];
                rr += (double) r[i] * r[i];
                double d = (double) r[i] - o[i];
                signal += (double) r[i] * r[i];
                noise += d * d;
            }
            rows++;
            if (bestO == bestR) {
                agreeing++;
            }
            cosineSum += oo == 0 || rr == 0 ? (oo == rr ? 1 : 0) : dot / Math.sqrt(oo * rr);
        }
    }

    public long rows() {
        return rows;
    }

    /** Fraction of rows whose top-1 class matches the reference; 0 when empty. */
    public double top1Agreement() {
        return rows == 0 ? 0 : (double) agreeing / rows;
    }

    public double meanCosine() {
        return rows == 0 ? 0 : cosineSum / rows;
    }

    /** SQNR in dB; NaN or -inf when outputs were not finite. */
    public double sqnrDb() {
        if (nonFinite > 0) {
            return Double.NEGATIVE_INFINITY;
        }
        return noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    }

    /** Whether this is at least as good as {@code other} on every measure. */
    public boolean notWorseThan(OutputQuality other) {
        return top1Agreement() >= other.top1Agreement() && sqnrDb() >= other.sqnrDb()
                && meanCosine() >= other.meanCosine() - 1e-9;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "top-1 %.4f, cosine %.5f, SQNR %.2f dB over %d rows",
                top1Agreement(), meanCosine(), sqnrDb(), rows);
    }
}
