package io.tare.server.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Global pooling of a channels-last input ({@link PoolOps#ATTR_NHWC_INPUT}) gives the bits of the
 * same pooling over the NCHW tensor, for average and max, at plane sizes with and without a tail.
 */
class GlobalPoolChannelsLastTest {

    private static Graph pool(String op, boolean nhwc) {
        Attributes attrs = nhwc ? Attributes.empty().with(PoolOps.ATTR_NHWC_INPUT, 1L) : Attributes.empty();
        Node n = new Node("pool", op, "", List.of("x"), List.of("y"), attrs);
        return new Graph(List.of(n), Map.of(), List.of(new ValueInfo("x", DataType.FLOAT, new long[] {-1, -1, -1, -1}, null)),
                List.of(new ValueInfo("y", DataType.FLOAT, new long[] {-1, -1, 1, 1}, null)), Map.of("", 13));
    }

    @Test
    void channelsLastInputPoolsToTheSameBits() {
        Random r = new Random(11);
        for (int[] s : new int[][] {{2, 13, 7, 7}, {1, 64, 7, 7}, {3, 5, 1, 1}, {1, 8, 3, 5}}) {
            int n = s[0];
            int c = s[1];
            int h = s[2];
            int w = s[3];
            float[] nchw = new float[n * c * h * w];
            for (int i = 0; i < nchw.length; i++) {
                nchw[i] = (float) r.nextGaussian() * 3f;
            }
            float[] nhwc = new float[nchw.length];
            for (int b = 0; b < n; b++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int p = 0; p < h * w; p++) {
                        nhwc[(b * h * w + p) * c + ch] = nchw[(b * c + ch) * h * w + p];
                    }
                }
            }
            for (String op : new String[] {"GlobalAveragePool", "GlobalMaxPool"}) {
                EngineOptions plain = EngineOptions.DEFAULT.withOptimize(false);
                Tensor want = Engine.load(pool(op, false), plain).run(Map.of("x", Tensor.ofFloats(s, nchw))).get("y");
                Tensor got = Engine.load(pool(op, true), plain)
                        .run(Map.of("x", Tensor.ofFloats(new int[] {n, h, w, c}, nhwc))).get("y");
                assertArrayEquals(want.shape(), got.shape());
                for (int i = 0; i < want.size(); i++) {
                    assertEquals(Float.floatToRawIntBits(want.floats()[i]), Float.floatToRawIntBits(got.floats()[i]),
                            op + " " + java.util.Arrays.toString(s) + " element " + i);
                }
            }
        }
    }
}
