package io.tare.server.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.server.engine.DataType;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.RawData;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.TestFixtures;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tare:Int8Conv} with the GEMM gathering its window rows (implicit im2col, the native tier's
 * path) against the Java patch rows it replaces ({@value Int8Conv#GATHER_PROPERTY}=false):
 * bit-identical outputs on random two-convolution QDQ graphs (the second reads the first's
 * channels-last output: padded, in place when unpadded, and through the signed-input flip) with 1x1
 * and 3x3 kernels, stride 2, padding, grouped and depthwise first layers, asymmetric weights (row
 * sums), first layers that the native AVX2 tier runs by exact Winograd F(2x2, 3x3) (32-64 channels, odd
 * sizes, a partial panel), weights in [-64, 63] (whose window rows the AVX2 VPMADDUBSW kernel reads in
 * place, without Winograd), at batch 1, 7 and 32 on one and two threads; and on the real Fashion-MNIST ResCNN and real
 * test images. Off the native tier both loads take the Java path and the test is trivially green.
 */
class Int8ConvWindowRowsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // C;H;W | conv1: M;k;stride;pad;group | conv2: M;k;stride;pad | weight zero points | signed activations
        // | weights in [-64, 63]
        "3;28;28 | 16;3;1;1;1 | 16;3;1;1 | false | false | false",
        "16;14;14 | 32;3;2;1;1 | 32;3;1;1 | false | false | false",
        "8;15;13 | 24;3;1;0;1 | 40;1;1;0 | true | false | false",
        "8;12;12 | 16;3;2;1;1 | 8;3;2;1 | true | true | false",
        "16;10;10 | 16;3;1;1;16 | 32;1;2;0 | false | true | false",
        "12;9;11 | 24;1;1;0;3 | 20;3;1;0 | true | false | false",
        "1;28;28 | 16;3;1;1;1 | 32;3;2;0 | false | true | false",
        "5;11;11 | 12;3;1;1;1 | 20;3;2;1 | false | false | false",
        // 3x3 stride-1 layers with >= 32 channels and a channels-last output: exact Winograd on native AVX2
        "32;14;14 | 32;3;1;1;1 | 16;1;1;0 | false | false | false",
        "48;7;9 | 64;3;1;0;1 | 16;3;1;1 | false | false | false",
        "32;5;5 | 17;3;1;1;1 | 8;1;1;0 | false | true | false",
        "64;8;7 | 40;3;1;1;1 | 24;1;2;0 | true | false | false",
        // weights in [-64, 63]: on native AVX2 the VPMADDUBSW kernel reads window rows of whole 4-byte
        // groups in place (and takes the 3x3 layers with >= 32 channels instead of Winograd)
        "3;28;28 | 16;3;1;1;1 | 16;3;1;1 | false | false | true",
        "16;14;14 | 32;3;2;1;1 | 32;3;1;1 | false | false | true",
        "48;7;9 | 64;3;1;0;1 | 16;3;1;1 | false | true | true",
        "32;5;5 | 17;3;1;1;1 | 8;1;1;0 | false | true | true",
        "8;12;12 | 16;3;2;1;1 | 8;3;2;1 | true | true | true",
    })
    void gatheredEqualsJavaPatchRows(String input, String conv1, String conv2, boolean asymmetric, boolean signed,
            boolean sevenBitWeights) {
        int[] x = ints(input);
        int[] c1 = ints(conv1);
        int[] c2 = ints(conv2);
        Random rnd = new Random(Arrays.hashCode(x) * 31 + Arrays.hashCode(c1));
        Supplier<Graph> graph = () -> graph(x, c1, c2, asymmetric, signed, sevenBitWeights, new Random(11));
        for (int threads : new int[] {1, 2}) {
            EngineOptions options = EngineOptions.DEFAULT.withIntraOpThreads(threads);
            LoadedModel gathered = Engine.load(graph.get(), options);
            LoadedModel java = withJavaPatchRows(() -> Engine.load(graph.get(), options));
            assertTrue(gathered.plan().stepOpTypes().stream().filter(t -> t.endsWith(":Int8Conv")).count() == 2,
                    gathered.plan().stepOpTypes().toString());
            for (int batch : new int[] {1, 7, 32}) {
                int[] shape = {batch, x[0], x[1], x[2]};
                float[] in = new float[Tensor.sizeOf(shape)];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (float) rnd.nextGaussian() * 2f;
                }
                Tensor want = java.run(Map.of("x", Tensor.ofFloats(shape, in.clone()))).get("y");
                Tensor got = gathered.run(Map.of("x", Tensor.ofFloats(shape, in))).get("y");
                assertArrayEquals(want.shape(), got.shape());
                assertArrayEquals(want.floats(), got.floats(), 0f, "batch " + batch + " threads " + threads);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx", "fmnist/cnn/fmnist_rescnn_int8_minmax_pt.onnx"})
    void realCnnLogitsBitIdentical(String model) throws Exception {
        Path path = TestFixtures.fixture(model);
        int images = 103;
        float[] x = RawData.floats(TestFixtures.fixture("fmnist/test_x.f32"), 0, images * 784);
        for (int threads : new int[] {1, 2}) {
            EngineOptions options = EngineOptions.DEFAULT.withIntraOpThreads(threads);
            LoadedModel gathered = Engine.load(path, options);
            LoadedModel java = withJavaPatchRows(() -> Engine.load(path, options));
            String input = gathered.inputs().get(0).name();
            for (int batch : new int[] {32, 1, 7}) {
                for (int first = 0; first + batch <= images; first += batch) {
                    int[] shape = {batch, 1, 28, 28};
                    float[] in = Arrays.copyOfRange(x, first * 784, (first + batch) * 784);
                    Tensor want = java.run(Map.of(input, Tensor.ofFloats(shape, in.clone()))).values().iterator().next();
                    Tensor got = gathered.run(Map.of(input, Tensor.ofFloats(shape, in))).values().iterator().next();
                    assertArrayEquals(want.floats(), got.floats(), 0f,
                            model + " batch " + batch + " from " + first + " threads " + threads);
                }
            }
        }
        System.out.println("Int8ConvWindowRowsTest: kernel tier " + KernelProvider.get().tier()
                + (KernelProvider.get().tier() == KernelTier.NATIVE ? " (window rows gathered in C)"
                        : " (both loads take the Java patch rows)"));
    }

    private static <T> T withJavaPatchRows(Supplier<T> load) {
        String before = System.getProperty(Int8Conv.GATHER_PROPERTY);
        System.setProperty(Int8Conv.GATHER_PROPERTY, "false");
        try {
            return load.get();
        } finally {
            if (before == null) {
                System.clearProperty(Int8Conv.GATHER_PROPERTY);
            } else {
                System.setProperty(Int8Conv.GATHER_PROPERTY, before);
            }
        }
    }

    /** x -> Q -> DQ -> Conv1 -> Relu -> Q -> DQ -> Conv2 -> Q -> DQ -> y, weights per channel. */
    private static Graph graph(int[] x, int[] c1, int[] c2, boolean asymmetric, boolean signed, boolean sevenBit,
            Random rnd) {
        DataType act = signed ? DataType.INT8 : DataType.UINT8;
        Map<String, Tensor> constants = new LinkedHashMap<>();
        constants.put("sx", Tensor.scalar(0.03f));
        constants.put("zx", zeroPoint(act, signed ? -7 : 121));
        constants.put("s1", Tensor.scalar(0.05f));
        constants.put("z1", zeroPoint(act, signed ? -128 : 0));
        constants.put("s2", Tensor.scalar(0.07f));
        constants.put("z2", zeroPoint(act, signed ? 5 : 130));
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("QuantizeLinear", List.of("x", "sx", "zx"), "qx", Map.of()));
        nodes.add(node("DequantizeLinear", List.of("qx", "sx", "zx"), "dx", Map.of()));
        weights(constants, "w1", c1[0], x[0] / c1[4], c1[1], asymmetric, sevenBit, rnd);
        nodes.add(node("DequantizeLinear", List.of("w1", "w1s", "w1z"), "dw1", Map.of("axis", 0L)));
        nodes.add(node("Conv", List.of("dx", "dw1", "b1"), "y1", convAttrs(c1[1], c1[2], c1[3], c1[4])));
        nodes.add(node("Relu", List.of("y1"), "r1", Map.of()));
        nodes.add(node("QuantizeLinear", List.of("r1", "s1", "z1"), "q1", Map.of()));
        nodes.add(node("DequantizeLinear", List.of("q1", "s1", "z1"), "d1", Map.of()));
        weights(constants, "w2", c2[0], c1[0], c2[1], asymmetric, sevenBit, rnd);
        nodes.add(node("DequantizeLinear", List.of("w2", "w2s", "w2z"), "dw2", Map.of("axis", 0L)));
        nodes.add(node("Conv", List.of("d1", "dw2", "b2"), "y2", convAttrs(c2[1], c2[2], c2[3], 1)));
        nodes.add(node("QuantizeLinear", List.of("y2", "s2", "z2"), "q2", Map.of()));
        nodes.add(node("DequantizeLinear", List.of("q2", "s2", "z2"), "y", Map.of()));
        long[] in = {-1, x[0], x[1], x[2]};
        return new Graph(nodes, constants, List.of(new ValueInfo("x", DataType.FLOAT, in, null)),
                List.of(new ValueInfo("y", DataType.FLOAT, new long[0], null)), Map.of("", 17));
    }

    private static void weights(Map<String, Tensor> constants, String name, int m, int cPerGroup, int k,
            boolean asymmetric, boolean sevenBit, Random rnd) {
        byte[] w = new byte[m * cPerGroup * k * k];
        rnd.nextBytes(w);
        for (int i = 0; sevenBit && i < w.length; i++) {
            w[i] = (byte) (w[i] >> 1);
        }
        float[] scales = new float[m];
        byte[] zps = new byte[m];
        float[] bias = new float[m];
        for (int o = 0; o < m; o++) {
            scales[o] = (0.2f + rnd.nextFloat()) / (cPerGroup * k * k * 20f);
            zps[o] = (byte) (asymmetric ? rnd.nextInt(31) - 15 : 0);
            bias[o] = (float) rnd.nextGaussian() * 0.3f;
        }
        constants.put(name, Tensor.wrap(DataType.INT8, new int[] {m, cPerGroup, k, k}, w));
        constants.put(name + "s", Tensor.ofFloats(new int[] {m}, scales));
        constants.put(name + "z", Tensor.wrap(DataType.INT8, new int[] {m}, zps));
        constants.put("b" + name.substring(1), Tensor.ofFloats(new int[] {m}, bias));
    }

    private static Map<String, Object> convAttrs(int k, int stride, int pad, int group) {
        return Map.of("kernel_shape", new long[] {k, k}, "strides", new long[] {stride, stride},
                "pads", new long[] {pad, pad, pad, pad}, "group", (long) group);
    }

    private static Tensor zeroPoint(DataType t, int v) {
        return Tensor.wrap(t, new int[0], new byte[] {(byte) v});
    }

    private static Node node(String op, List<String> in, String out, Map<String, Object> attrs) {
        return new Node(op + "_" + out, op, "", in, List.of(out), new Attributes(attrs));
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.trim().split(";")).mapToInt(Integer::parseInt).toArray();
    }
}
