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
 * Resize against ONNX Runtime over the cases of the ONNX node tests (nearest with each rounding,
 * linear and cubic with each coordinate transformation, scales and sizes, tf_crop_and_resize with
 * roi and extrapolation, exclude_outside, axes with keep_aspect_ratio_policy). The shared
 * node-test folder has no Resize cases, so each case is written as a one-node model here.
 */
class ResizeTest {
    private static final int[] IMAGE = {1, 2, 4, 5};

    private static UnaryOperator<SingleNodeModels.Builder> scales(float... s) {
        return b -> b.constant("", null, null).constant("scales", new int[] {s.length}, s);
    }

    private static UnaryOperator<SingleNodeModels.Builder> sizes(long... s) {
        return b -> b.constant("", null, null).constant("", null, null).int64s("sizes", s);
    }

    static Stream<Arguments> cases() {
        UnaryOperator<SingleNodeModels.Builder> up = scales(1f, 1f, 2f, 1.5f);
        UnaryOperator<SingleNodeModels.Builder> down = scales(1f, 1f, 0.6f, 0.5f);
        return Stream.of(
                Arguments.of("nearest_up", up.andThen(b -> b.string("mode", "nearest"))),
                Arguments.of("nearest_down", down.andThen(b -> b.string("mode", "nearest"))),
                Arguments.of("nearest_ceil_align", up.andThen(b -> b.string("mode", "nearest")
                        .string("nearest_mode", "ceil").string("coordinate_transformation_mode", "align_corners"))),
                Arguments.of("nearest_floor_asymmetric", up.andThen(b -> b.string("mode", "nearest")
                        .string("nearest_mode", "floor").string("coordinate_transformation_mode", "asymmetric"))),
                Arguments.of("nearest_prefer_ceil", up.andThen(b -> b.string("mode", "nearest")
                        .string("nearest_mode", "round_prefer_ceil"))),
                Arguments.of("linear_up", up.andThen(b -> b.string("mode", "linear"))),
                Arguments.of("linear_down", down.andThen(b -> b.string("mode", "linear"))),
                Arguments.of("linear_align_corners", up.andThen(b -> b.string("mode", "linear")
                        .string("coordinate_transformation_mode", "align_corners"))),
                Arguments.of("linear_asymmetric", up.andThen(b -> b.string("mode", "linear")
                        .string("coordinate_transformation_mode", "asymmetric"))),
                Arguments.of("linear_pytorch_half_pixel", sizes(1, 2, 7, 1).andThen(b -> b.string("mode", "linear")
                        .string("coordinate_transformation_mode", "pytorch_half_pixel"))),
                Arguments.of("linear_half_pixel_symmetric", scales(1f, 1f, 2.3f, 0.7f).andThen(b -> b
                        .string("mode", "linear").string("coordinate_transformation_mode", "half_pixel_symmetric"))),
                Arguments.of("cubic_up", up.andThen(b -> b.string("mode", "cubic"))),
                Arguments.of("cubic_down_exclude_outside", down.andThen(b -> b.string("mode", "cubic")
                        .integer("exclude_outside", 1).real("cubic_coeff_a", -0.5f))),
                Arguments.of("cubic_asymmetric", up.andThen(b -> b.string("mode", "cubic")
                        .string("coordinate_transformation_mode", "asymmetric"))),
                Arguments.of("sizes_nearest", sizes(1, 2, 7, 8).andThen(b -> b.string("mode", "nearest"))),
                Arguments.of("tf_crop_and_resize", (UnaryOperator<SingleNodeModels.Builder>) b -> b
                        .constant("roi", new int[] {8}, new float[] {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 0.7f})
                        .constant("", null, null).int64s("sizes", 1, 2, 3, 3)
                        .string("mode", "linear").string("coordinate_transformation_mode", "tf_crop_and_resize")
                        .real("extrapolation_value", 10f)),
                Arguments.of("axes_not_larger", (UnaryOperator<SingleNodeModels.Builder>) b -> b
                        .constant("", null, null).constant("", null, null)
                        .int64s("sizes", 7, 8).ints("axes", 2, 3)
                        .string("keep_aspect_ratio_policy", "not_larger").string("mode", "linear")),
                Arguments.of("axes_not_smaller", (UnaryOperator<SingleNodeModels.Builder>) b -> b
                        .constant("", null, null).constant("", null, null)
                        .int64s("sizes", 7, 8).ints("axes", 2, 3)
                        .string("keep_aspect_ratio_policy", "not_smaller").string("mode", "nearest")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesOnnxRuntime(String name, java.util.function.Function<SingleNodeModels.Builder, SingleNodeModels.Builder> inputsAndAttrs) throws Exception {
        Random random = new Random(name.hashCode());
        float[] x = new float[Tensor.sizeOf(IMAGE)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        SingleNodeModels.Builder b = inputsAndAttrs.apply(new SingleNodeModels.Builder("Resize", 19, IMAGE));
        float[][] r = SingleNodeModels.runBoth(b.write(), x, IMAGE);
        assertEquals(r[1].length, r[0].length, name + ": output size");
        for (int i = 0; i < r[0].length; i++) {
            assertTrue(Math.abs(r[0][i] - r[1][i]) <= 1e-5 + 1e-5 * Math.abs(r[1][i]),
                    name + " element " + i + ": " + r[0][i] + " vs " + r[1][i]);
        }
    }
}
