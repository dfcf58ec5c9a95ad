package io.tare.server.engine.quant;

/**
 * A hook at every point where the engine quantizes an activation: the input of a QuantizeLinear,
 * and the float input of an INT8 MatMul/Conv/Gemm in dynamic or static mode. A later component
 * samples these values to build calibration histograms.
 *
 * <p>Cost: when taps are off the engine holds {@link #NONE}, and quantization points test
 * {@link #enabled()} once per run of the node before doing anything, so a disabled tap costs one
 * predictable branch. Contract for implementations: called on the request's compute thread, in the
 * middle of a run; must not block, must not keep {@code data} (it is a reused buffer), and should
 * copy or summarize only what it needs. Only {@code data[0 .. length)} is meaningful.
 */
public interface QuantizationTap {

    /** The tap that is off. */
    QuantizationTap NONE = new QuantizationTap() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void observe(String tensorName, float[] data, int length) {
        }
    };

    /** Whether quantization points should call {@link #observe} at all. */
    boolean enabled();

    /**
     * Receives the float values about to be quantized.
     *
     * @param tensorName the graph value being quantized
     * @param data reused buffer; only valid during the call
     * @param length number of meaningful elements
     */
    void observe(String tensorName, float[] data, int length);
}
