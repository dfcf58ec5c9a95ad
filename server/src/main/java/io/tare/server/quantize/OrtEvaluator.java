package io.tare.server.quantize;

import java.util.Arrays;
import java.util.Set;

/**
 * Runs a model (FP32 or an export) through ONNX Runtime over a sample file and keeps its first
 * output, to measure accuracy against labels or closeness to the FP32 output. The outputs of all
 * samples are kept ({@code samples * output width} floats), so callers bound the sample count for
 * models with large outputs.
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
     * @param labels one class per sample, or null (accuracy is then NaN)
     * @param what   names the model in errors
     */
    public static Outputs run(byte[] model, ModelInput input, String output, SampleFile data, long maxSamples, int[] labels,
                              int batchSize, int threads, String what) {
        long total = Math.min(maxSamples, data.sampleCount());
        int batch = Math.min(batchSize, input.maxBatch());
        float[] buffer = new float[batch * data.sampleElements()];
        float[] values = null;
        int width = -1;
        int correct = 0;
        int done = 0;
        data.rewind();
        try (OrtModelRunner runner = new OrtModelRunner(model, input.name(), threads, what)) {
            while (done < total) {
                int n = data.read(buffer, (int) Math.min(batch, total - done));
                if (n == 0) {
                    break;
                }
                OrtModelRunner.Output o = runner.run(buffer, n, data.sampleShape(), Set.of(output)).get(output);
                if (values == null) {
                    width = o.length() / n;
                    values = new float[Math.toIntExact(total * width)];
                }
                System.arraycopy(o.data(), 0, values, done * width, n * width);
                if (labels != null) {
                    for (int s = 0; s < n; s++) {
                        if (OutputComparison.argMax(o.data(), s * width, width) == labels[done + s]) {
                            correct++;
                        }
                    }
                }
                done += n;
            }
        }
        if (done == 0) {
            throw new QuantizeException(data.path() + " holds no samples");
        }
        return new Outputs(done * width == values.length ? values : Arrays.copyOf(values, done * width), done,
                labels == null ? Double.NaN : (double) correct / done);
    }
}
