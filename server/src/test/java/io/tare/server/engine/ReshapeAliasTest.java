package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reshapes take their input's buffer in the memory plan (no copy): the values sharing a buffer must
 * stay intact until the last of them has been read, also when the reshaped value outlives its input
 * and when the input is read again after the reshape.
 */
class ReshapeAliasTest {

    private static Node node(String op, List<String> in, String out) {
        return new Node(op + "_" + out, op, "", in, List.of(out), Attributes.empty());
    }

    /** y = r + Reshape(Reshape(r)^2) + Flatten-free chains; r = Relu(x), read again after the reshapes. */
    private static Graph graph() {
        Map<String, Tensor> c = Map.of("s34", Tensor.ofLongs(new int[] {2}, 3, 4), "s26", Tensor.ofLongs(new int[] {2}, 2, 6),
                "axes", Tensor.ofLongs(new int[] {1}, 0));
        List<Node> nodes = List.of(
                node("Relu", List.of("x"), "r"),
                node("Reshape", List.of("r", "s34"), "a"),     // a holds r's buffer
                node("Mul", List.of("a", "a"), "b"),           // must not take r's buffer: r is read below
                node("Reshape", List.of("b", "s26"), "c"),
                node("Unsqueeze", List.of("c", "axes"), "u"),   // u outlives c
                node("Squeeze", List.of("u", "axes"), "v"),
                node("Neg", List.of("x"), "n"),                 // a fresh value while r, a, u, v hold buffers
                node("Add", List.of("r", "v"), "t"),
                node("Add", List.of("t", "n"), "y"));
        return new Graph(nodes, c, List.of(new ValueInfo("x", DataType.FLOAT, new long[] {2, 6}, null)),
                List.of(new ValueInfo("y", DataType.FLOAT, new long[] {2, 6}, null)), Map.of("", 13));
    }

    @Test
    void reshapedValuesShareBuffersWithoutCorruption() {
        LoadedModel model = Engine.load(graph(), EngineOptions.DEFAULT.withOptimize(false));
        ExecutionPlan plan = model.plan();
        Map<String, Integer> ids = plan.valueIds();
        assertEquals(plan.slotOf(ids.get("r")), plan.slotOf(ids.get("a")), "Reshape copies instead of sharing");
        assertEquals(plan.slotOf(ids.get("c")), plan.slotOf(ids.get("v")), "Unsqueeze/Squeeze copy");
        assertTrue(plan.slotOf(ids.get("b")) != plan.slotOf(ids.get("r")), "r's buffer reused while r is live");
        for (int run = 0; run < 3; run++) {
            float[] x = new float[12];
            for (int i = 0; i < 12; i++) {
                x[i] = (i - 5) * 0.5f + run;
            }
            float[] y = model.run(Map.of("x", Tensor.ofFloats(new int[] {2, 6}, x))).get("y").floats();
            for (int i = 0; i < 12; i++) {
                float r = Math.max(0f, x[i]);
                assertEquals((r + r * r) + -x[i], y[i], 0f, "element " + i + " run " + run);
            }
        }
    }
}
