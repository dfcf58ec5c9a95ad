package io.tare.server.quantize;

import java.util.Set;

/**
 * Runs a model (FP32 or an export) through ONNX Runtime over a sample set and keeps its first
 * output (see {@link OutputCollector}), to measure accuracy against labels or closeness to the
 * FP32 output. The outputs of all samples are kept ({@code samples * output width} floats), so
 * callers bound the sample count for models with large outputs.
 */
public final class OrtEvaluator {

    /** The first graph output of every sample run, and the top-1 accuracy when labels were given. */
    public record Outputs(float[] values, int samples, double accuracy) {

        public OutputComparison compareTo(Outputs fp32) {
            return OutputComparison.of(fp32.values, values, samples);
        }
    }

    private OrtEvaluator() {
    }

    /**
     * @param labels   one class per sample, or null (accuracy is then NaN)
     * @param meanPool the mask input to mean-pool the output with (sentence embeddings), or null
     * @param what     names the model in errors
     */
    public static Outputs run(byte[] model, String output, SampleSet data, long maxSamples, int[] labels, String meanPool,
                              int batchSize, int threads, String what) {
        long total = Math.min(maxSamples, data.sampleCount());
        int batch = Math.min(batchSize, data.inputs().maxBatch());
        OutputCollector collected = new OutputCollector(total, labels, meanPool);
        long done = 0;
        data.rewind();
        try (OrtModelRunner runner = new OrtModelRunner(model, threads, what)) {
            while (done < total) {
                SampleSet.Batch b = data.read((int) Math.min(batch, total - done));
                if (b.samples() == 0) {
                    break;
                }
                OrtModelRunner.Output o = runner.run(b, Set.of(output)).get(output);
                collected.add(o.data(), o.shape(), b);
                done += b.samples();
            }
        }
        return collected.finish(data.path().toString());
    }
}
