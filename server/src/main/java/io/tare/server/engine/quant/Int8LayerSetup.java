package io.tare.server.engine.quant;

import io.tare.kernels.gemm.Activation;
import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.ops.NodeSetup;

/**
 * What an INT8 layer node says besides its activation input, read once at load: the weight's
 * quantization parameters (inputs 3-5), the float bias (input 6), the fused activation, and the
 * optional requantization of the output (inputs 7-8, set by the requantize-fusion pass).
 *
 * @param weightParams per tensor or per output channel, in the weight's own type
 * @param bias one value per output channel, or null
 * @param activation the fused activation; applied by the epilogue when {@link #epilogueActivation}
 *     is not null, else by the layer after the GEMM (float output only)
 * @param output 8-bit output parameters (per tensor), or null for a float output
 */
record Int8LayerSetup(QuantParams weightParams, float[] bias, FusedActivation activation, QuantParams output) {

    static Int8LayerSetup of(NodeSetup s, int outChannels) {
        Tensor w = s.constantInput(3);
        Tensor scale = s.constantInput(4);
        Tensor zp = s.constantInput(5);
        if (w == null || scale == null || (s.node().hasInput(5) && zp == null)) {
            throw s.unsupported("INT8 layer needs a constant weight, weight scale and zero point");
        }
        DType type = w.type() == DataType.UINT8 ? DType.UINT8 : DType.INT8;
        QuantParams params;
        if (scale.size() == 1 && (zp == null || zp.size() == 1)) {
            params = QuantParams.perTensor(type, (float) scale.getDouble(0), zp == null ? 0 : (int) zp.getLong(0));
        } else {
            float[] scales = new float[outChannels];
            int[] zps = new int[outChannels];
            for (int c = 0; c < outChannels; c++) {
                scales[c] = (float) scale.getDouble(scale.size() == 1 ? 0 : c);
                zps[c] = zp == null ? 0 : (int) zp.getLong(zp.size() == 1 ? 0 : c);
            }
            params = QuantParams.perAxis(type, 0, scales, zps);
        }
        FusedActivation act = FusedActivation.from(s);
        QuantParams output = null;
        if (s.node().hasInput(7)) {
            Tensor ys = s.constantInput(7);
            Tensor yz = s.constantInput(8);
            if (ys == null || ys.size() != 1 || yz == null || yz.size() != 1) {
                throw s.unsupported("requantized output needs constant per-tensor scale and zero point");
            }
            if (act.epilogueActivation() == null) {
                throw s.unsupported("activation " + act.kind() + " cannot be fused before requantization");
            }
            output = QuantParams.perTensor(yz.type() == DataType.INT8 ? DType.INT8 : DType.UINT8,
                    (float) ys.getDouble(0), (int) yz.getLong(0));
        }
        return new Int8LayerSetup(params, biasOf(s, outChannels), act, output);
    }

    /** The engine type of the output tensor. */
    DataType outputType() {
        return output == null ? DataType.FLOAT : output.dtype() == DType.INT8 ? DataType.INT8 : DataType.UINT8;
    }

    /** The activation the epilogue applies, or null when the layer applies it itself. */
    Activation epilogueActivation() {
        return activation.epilogueActivation();
    }

    /** Whether the layer must apply the activation after the GEMM. */
    boolean needsPostActivation() {
        return activation.epilogueActivation() == null;
    }

    /** The epilogue for output channels {@code [from, from + n)}. */
    Epilogue epilogue(int from, int n) {
        return epilogue(from, n, true);
    }

    /** Whether the fused activation is a ReLU (which a caller may apply after the epilogue, exactly). */
    boolean isRelu() {
        return activation.kind() == FusedActivation.Kind.RELU;
    }

    /**
     * The epilogue for output channels {@code [from, from + n)}; with {@code withRelu} false a fused
     * ReLU is left out for the caller to apply.
     */
    Epilogue epilogue(int from, int n, boolean withRelu) {
        float[] b = bias == null ? null : (from == 0 && n == bias.length ? bias
                : java.util.Arrays.copyOfRange(bias, from, from + n));
        Activation a = !withRelu && isRelu() ? Activation.NONE : epilogueActivation();
        Epilogue ep = Epilogue.of(b, a == null ? Activation.NONE : a);
        return output == null ? ep : ep.withRequantization(output);
    }

    /** Parameters of output channels {@code [from, from + n)}. */
    QuantParams weightParams(int from, int n) {
        if (weightParams.isPerTensor()) {
            return weightParams;
        }
        float[] s = new float[n];
        int[] z = new int[n];
        for (int j = 0; j < n; j++) {
            s[j] = weightParams.scale(from + j);
            z[j] = weightParams.zeroPoint(from + j);
        }
        return QuantParams.perAxis(weightParams.dtype(), 0, s, z);
    }

    private static float[] biasOf(NodeSetup s, int n) {
        Tensor b = s.constantInput(6);
        if (b == null) {
            if (s.node().hasInput(6)) {
                throw s.unsupported("bias must be constant");
            }
            return null;
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) b.getDouble(b.size() == 1 ? 0 : i);
        }
        return out;
    }
}
