package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * INT8 GEMM layers that read the same activation (a transformer's Q, K and V projections of one
 * LayerNorm output) quantize it once: the first in execution order fills a shared buffer, the
 * others use it as it is. The quantized rows depend only on the activation and the layer's
 * quantization settings (inputs 0 to 2 and {@link Int8LinearOps#ATTR_PER_ROW}, which must all be
 * equal), so the bits are those of each layer quantizing on its own.
 *
 * <p>Each group gets a buffer slot ({@link Int8LinearOps#ATTR_SHARED_ROWS}); a slot is reused by a
 * later group only once the earlier group's last member has run, so no buffer is overwritten while
 * a member still needs it. Runs last among the rewriting passes (node order is execution order
 * from here on) and only in untapped builds: a tap observes every layer's input once per layer.
 */
public final class SharedActivationRows implements GraphPass {
    @Override
    public String name() {
        return "shared-activation-rows";
    }

    @Override
    public boolean apply(Graph graph) {
        List<Node> nodes = graph.nodes();
        // members by what they quantize, in execution order
        Map<List<Object>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (isGemm(n) && !n.attributes().has(Int8LinearOps.ATTR_SHARED_ROWS)) {
                List<Object> key = List.of(n.input(0), n.hasInput(1) ? n.input(1) : "", n.hasInput(2) ? n.input(2) : "",
                        n.attributes().getInt(Int8LinearOps.ATTR_PER_ROW, 0));
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
        }
        List<Integer> slotFreeAfter = new ArrayList<>(); // per slot: the last member index of its latest group
        boolean changed = false;
        for (List<Integer> members : groups.values()) {
            if (members.size() < 2) {
                continue;
            }
            int first = members.get(0);
            int last = members.get(members.size() - 1);
            int slot = 0;
            while (slot < slotFreeAfter.size() && slotFreeAfter.get(slot) >= first) {
                slot++;
            }
            if (slot == slotFreeAfter.size()) {
                slotFreeAfter.add(last);
            } else {
                slotFreeAfter.set(slot, last);
            }
            for (int m : members) {
                Node n = nodes.get(m);
                // the first member fills the slot (a non-negative value), the others read it (-1 - slot)
                long mark = m == first ? slot : -1 - slot;
                nodes.set(m, new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(),
                        n.attributes().with(Int8LinearOps.ATTR_SHARED_ROWS, mark)));
            }
            changed = true;
        }
        return changed;
    }

    private static boolean isGemm(Node n) {
        return n.domain().equals(Int8LinearOps.DOMAIN) && n.opType().equals(Int8LinearOps.GEMM) && n.hasInput(0);
    }
}
