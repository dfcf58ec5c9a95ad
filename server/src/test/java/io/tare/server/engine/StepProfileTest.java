package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A profile sees every step of the runs it was passed to, and profiling changes no result. */
class StepProfileTest {

    private static Node node(String op, List<String> in, String out) {
        return new Node(op + "_" + out, op, "", in, List.of(out), Attributes.empty());
    }

    /** y = Relu(x) * x + Neg(x), with a big enough x that each step takes measurable time. */
    private static LoadedModel model() {
        List<Node> nodes = List.of(node("Relu", List.of("x"), "r"), node("Mul", List.of("r", "x"), "m"),
                node("Neg", List.of("x"), "n"), node("Add", List.of("m", "n"), "y"));
        Graph g = new Graph(nodes, Map.of(), List.of(new ValueInfo("x", DataType.FLOAT, new long[] {256, 256}, null)),
                List.of(new ValueInfo("y", DataType.FLOAT, new long[] {256, 256}, null)), Map.of("", 13));
        return Engine.load(g, EngineOptions.DEFAULT.withOptimize(false));
    }

    @Test
    void everyStepIsTimedAndSharesAddUp() {
        LoadedModel model = model();
        float[] x = new float[256 * 256];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 17) - 8;
        }
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new int[] {256, 256}, x));
        LoadedModel.ModelSession session = model.newSession();
        float[] plain = session.run(feeds).get("y").floats();
        StepProfile profile = model.plan().newProfile();
        for (int run = 0; run < 5; run++) {
            assertArrayEquals(plain, session.run(feeds, profile).get("y").floats(), 0f, "profiled run " + run);
        }
        session.run(feeds); // an unprofiled run adds nothing
        assertEquals(5, profile.runs());
        List<StepProfile.Entry> nodes = profile.byNode();
        assertEquals(4, nodes.size());
        double shares = 0;
        for (StepProfile.Entry e : nodes) {
            assertTrue(e.millisPerRun() > 0, e.node() + " was not timed");
            shares += e.share();
        }
        assertEquals(1.0, shares, 1e-9);
        for (int i = 1; i < nodes.size(); i++) {
            assertTrue(nodes.get(i - 1).millisPerRun() >= nodes.get(i).millisPerRun(), "not sorted by time");
        }
        List<StepProfile.Entry> ops = profile.byOpType();
        assertEquals(List.of("Add", "Mul", "Neg", "Relu"), ops.stream().map(StepProfile.Entry::opType).sorted().toList());
        assertEquals(profile.millisPerRun(), ops.stream().mapToDouble(StepProfile.Entry::millisPerRun).sum(), 1e-9);
        assertTrue(nodes.stream().anyMatch(e -> e.node().contains("Relu_r")), "node names missing: " + nodes);
    }
}
