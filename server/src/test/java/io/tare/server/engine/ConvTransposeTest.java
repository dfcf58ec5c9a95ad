package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ConvTranspose against ONNX Runtime over the attribute space of the ONNX node tests (1-D, 2-D,
 * 3-D; strides, pads, output_padding, dilations, groups, output_shape, auto_pad, bias). The shared
 * node-test folder has no ConvTranspose cases, so each case is written as a one-node model here.
 */
class ConvTransposeTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("2d", new int[] {1, 1, 3, 3}, new int[] {1, 2, 3, 3}, UnaryOperator.<SingleNodeModels.Builder>identity()),
                Arguments.of("1d", new int[] {1, 1, 5}, new int[] {1, 2, 3}, UnaryOperator.<SingleNodeModels.Builder>identity()),
                Arguments.of("3d", new int[] {1, 1, 3, 4, 5}, new int[] {1, 2, 3, 3, 3},
                        UnaryOperator.<SingleNodeModels.Builder>identity()),
                Arguments.of("strides_pads_output_padding", new int[] {2, 3, 4, 4}, new int[] {3, 2, 3, 3},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.ints("strides", 3, 2)
                                .ints("pads", 1, 2, 1, 2).ints("output_padding", 1, 1)),
                Arguments.of("dilations", new int[] {1, 1, 3, 3}, new int[] {1, 1, 2, 2},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.ints("dilations", 2, 2)),
                Arguments.of("group_2", new int[] {1, 4, 3, 3}, new int[] {4, 3, 3, 3},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.integer("group", 2)),
                Arguments.of("output_shape", new int[] {1, 1, 3, 3}, new int[] {1, 2, 3, 3},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.ints("strides", 3, 2)
                                .ints("output_shape", 10, 8)),
                Arguments.of("autopad_same_upper", new int[] {1, 1, 3, 3}, new int[] {1, 2, 3, 3},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.string("auto_pad", "SAME_UPPER")
                                .ints("strides", 2, 2)),
                Arguments.of("autopad_same_lower", new int[] {1, 1, 4, 3}, new int[] {1, 2, 2, 3},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.string("auto_pad", "SAME_LOWER")
                                .ints("strides", 2, 3)),
                Arguments.of("kernel_shape", new int[] {1, 1, 3, 3}, new int[] {1, 2, 3, 3},
                        (UnaryOperator<SingleNodeModels.Builder>) b -> b.ints("kernel_shape", 3, 3)
                                .ints("strides", 3, 2).ints("output_padding", 1, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesOnnxRuntime(String name, int[] xShape, int[] wShape, UnaryOperator<SingleNodeModels.Builder> attrs)
            throws Exception {
        Random random = new Random(name.hashCode());
        float[] x = values(random, Tensor.sizeOf(xShape));
        float[] w = values(random, Tensor.sizeOf(wShape));
        int group = name.equals("group_2") ? 2 : 1;
        int outChannels = wShape[1] * group;
        for (boolean withBias : new boolean[] {false, true}) {
            SingleNodeModels.Builder b = new SingleNodeModels.Builder("ConvTranspose", 17, xShape)
                    .constant("w", wShape, w);
            if (withBias) {
                b.constant("b", new int[] {outChannels}, values(random, outChannels));
            }
            float[][] r = SingleNodeModels.runBoth(attrs.apply(b).write(), x, xShape);
            assertEquals(r[1].length, r[0].length, name + ": output size");
            for (int i = 0; i < r[0].length; i++) {
                assertTrue(Math.abs(r[0][i] - r[1][i]) <= 1e-5 + 1e-5 * Math.abs(r[1][i]),
                        name + " (bias " + withBias + ") element " + i + ": " + r[0][i] + " vs " + r[1][i]);
            }
        }
    }

    private static float[] values(Random random, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) random.nextGaussian();
        }
        return f;
    }
}
