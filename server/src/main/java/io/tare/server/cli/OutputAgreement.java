package io.tare.server.cli;

/** Accuracy and error measures of model outputs, against labels or reference outputs. */
final class OutputAgreement {
    private OutputAgreement() {
    }

    static double top1Accuracy(float[][] outputs, int[] labels) {
        if (labels.length < outputs.length) {
            throw new Flags.UsageException("--labels holds " + labels.length + " labels for " + outputs.length + " samples");
        }
        int correct = 0;
        for (int i = 0; i < outputs.length; i++) {
            if (argmax(outputs[i]) == labels[i]) {
                correct++;
            }
        }
        return correct / (double) outputs.length;
    }

    /** Per-sample cosine, worst absolute error and top-1 agreement against row-major reference outputs. */
    static Errors against(float[][] outputs, float[] reference) {
        int width = outputs[0].length;
        if (reference.length < (long) outputs.length * width) {
            throw new Flags.UsageException("--reference-output holds " + reference.length + " values for "
                    + outputs.length + " samples of " + width);
        }
        double minCosine = 1;
        double sumCosine = 0;
        double maxAbs = 0;
        int agree = 0;
        for (int i = 0; i < outputs.length; i++) {
            double dot = 0;
            double a = 0;
            double b = 0;
            int best = 0;
            int bestRef = 0;
            for (int j = 0; j < width; j++) {
                float x = outputs[i][j];
                float r = reference[i * width + j];
                dot += x * (double) r;
                a += x * (double) x;
                b += r * (double) r;
                maxAbs = Math.max(maxAbs, Math.abs(x - r));
                best = x > outputs[i][best] ? j : best;
                bestRef = r > reference[i * width + bestRef] ? j : bestRef;
            }
            double cosine = a == 0 || b == 0 ? (a == b ? 1 : 0) : dot / Math.sqrt(a * b);
            minCosine = Math.min(minCosine, cosine);
            sumCosine += cosine;
            agree += best == bestRef ? 1 : 0;
        }
        return new Errors(minCosine, sumCosine / outputs.length, maxAbs, agree / (double) outputs.length);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    record Errors(double minCosine, double meanCosine, double maxAbsError, double top1Agreement) {
    }
}
