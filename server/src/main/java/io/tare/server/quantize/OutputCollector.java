package io.tare.server.quantize;

import java.util.Arrays;

/**
 * Gathers the first output of a model, batch by batch, into one array per evaluation, counting
 * top-1 hits against labels when there are labels. With a mean-pool input (a 0/1 attention mask
 * {@code [batch, seq]}), an output {@code [batch, seq, ...]} is first averaged over the positions
 * where the mask is non-zero: the sentence embedding of a transformer encoder, which is what its
 * users compare (padding positions would otherwise count as much as words). Shared by the ONNX
 * Runtime and engine evaluators so both measure the same thing.
 */
final class OutputCollector {

    private final long total;
    private final int[] labels;
    private final String meanPool;
    private float[] values;
    private int width = -1;
    private int done;
    private int correct;

    /**
     * @param total    samples that will be added at most
     * @param labels   one class per sample, or null
     * @param meanPool the input whose mask pools the output over axis 1, or null for none
     */
    OutputCollector(long total, int[] labels, String meanPool) {
        this.total = total;
        this.labels = labels;
        this.meanPool = meanPool;
    }

    /** Adds one batch's output ({@code batch.samples()} samples, C order, with {@code shape}). */
    void add(float[] output, long[] shape, SampleSet.Batch batch) {
        int n = batch.samples();
        float[] o = meanPool == null ? output : pool(output, shape, batch.input(meanPool), n);
        int w = o.length / n;
        if (values == null) {
            width = w;
            values = new float[Math.toIntExact(total * width)];
        }
        System.arraycopy(o, 0, values, done * width, n * width);
        if (labels != null) {
            for (int s = 0; s < n; s++) {
                if (OutputComparison.argMax(o, s * width, width) == labels[done + s]) {
                    correct++;
                }
            }
        }
        done += n;
    }

    /** @throws QuantizeException when no sample was added */
    OrtEvaluator.Outputs finish(String source) {
        if (done == 0) {
            throw new QuantizeException(source + " holds no samples");
        }
        return new OrtEvaluator.Outputs(done * width == values.length ? values : Arrays.copyOf(values, done * width), done,
                labels == null ? Double.NaN : (double) correct / done);
    }

    private static float[] pool(float[] output, long[] shape, SampleSet.InputBatch mask, int n) {
        if (mask == null) {
            throw new IllegalStateException("the mean-pool input is not among the model's inputs");
        }
        long[] m = mask.shape();
        if (shape.length < 3 || m.length != 2 || shape[0] != n || shape[1] != m[1]) {
            throw new QuantizeException("cannot mean-pool an output " + Arrays.toString(shape) + " with input '"
                    + mask.input().name() + "' " + Arrays.toString(m) + ": need an output [batch, seq, ...] and a mask [batch, seq]");
        }
        int seq = (int) shape[1];
        int inner = output.length / (n * seq);
        float[] out = new float[n * inner];
        for (int s = 0; s < n; s++) {
            int count = 0;
            for (int t = 0; t < seq; t++) {
                if (mask.valueAt(s * seq + t) == 0) {
                    continue;
                }
                count++;
                int base = (s * seq + t) * inner;
                for (int k = 0; k < inner; k++) {
                    out[s * inner + k] += output[base + k];
                }
            }
            for (int k = 0; k < inner; k++) {
                out[s * inner + k] /= Math.max(1, count);
            }
        }
        return out;
    }
}
