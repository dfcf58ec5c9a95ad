package io.tare.server.engine;

import io.tare.server.engine.compute.Compute;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.Operator;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.ops.PrepackedOperator;
import io.tare.server.engine.quant.QuantizationTap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph compiled for execution: operators prepared, values numbered, and a static memory plan.
 *
 * <p><b>Memory plan.</b> Every intermediate value gets a buffer slot; a slot is handed to a later
 * value once its last reader has run (linear scan over the topological order), so the number of
 * live buffers follows the graph's width, not its depth. A slot's arrays are kept in the
 * {@link ExecutionState} and grow to the largest value they hold; after the first request of a
 * given shape, runs allocate no activation memory. Graph outputs get fresh buffers, because the
 * caller keeps them. A node's outputs never share a slot with its inputs, except a reshape's
 * (Reshape, Flatten, Squeeze, Unsqueeze), whose output is its input's buffer seen with another
 * shape: no copy, and the buffer lives until every value holding it has been read. Operators
 * never write their inputs, so values sharing a buffer stay intact.
 *
 * <p>Immutable and shared by all model instances; per-run memory lives in {@link ExecutionState}.
 */
public final class ExecutionPlan {

    /** One node: its operator and the value ids it reads and writes (-1 for omitted ones). */
    record Step(Node node, Operator operator, int[] inputs, int[] outputs) { }

    private final Step[] steps;
    private final String[] valueNames;
    private final Tensor[] constants;
    private final int[] slotOf;
    private final int slotCount;
    private final int[] inputIds;
    private final int[] outputIds;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final QuantizationTap tap;

    private ExecutionPlan(Step[] steps, String[] valueNames, Tensor[] constants, int[] slotOf, int slotCount,
            int[] inputIds, int[] outputIds, List<ValueInfo> inputs, List<ValueInfo> outputs, QuantizationTap tap) {
        this.steps = steps;
        this.valueNames = valueNames;
        this.constants = constants;
        this.slotOf = slotOf;
        this.slotCount = slotCount;
        this.inputIds = inputIds;
        this.outputIds = outputIds;
        this.inputs = inputs;
        this.outputs = outputs;
        this.tap = tap;
    }

    /**
     * Prepares every node with the registry's factories and plans memory.
     *
     * @throws UnsupportedModelException from a factory that cannot prepare its node
     */
    public static ExecutionPlan compile(Graph graph, OperatorRegistry registry, QuantizationTap tap) {
        return compile(graph, registry, tap, Compute.forThreads(1));
    }

    /** As {@link #compile(Graph, OperatorRegistry, QuantizationTap)}, packing weights for {@code compute}. */
    public static ExecutionPlan compile(Graph graph, OperatorRegistry registry, QuantizationTap tap, Compute compute) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<Tensor> constants = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
            ids.put(e.getKey(), ids.size());
            constants.add(e.getValue());
        }
        int[] inputIds = new int[graph.inputs().size()];
        for (int i = 0; i < inputIds.length; i++) {
            String name = graph.inputs().get(i).name();
            inputIds[i] = ids.computeIfAbsent(name, k -> ids.size());
        }
        List<Step> steps = new ArrayList<>();
        for (Node node : graph.nodes()) {
            OperatorRegistry.Entry entry = registry.find(node.domain(), node.opType());
            if (entry == null) {
                throw new UnsupportedModelException(node.describe() + " is not supported by the Tare engine");
            }
            Operator op = entry.factory().create(new NodeSetup(node, graph.opsetOf(node), graph.initializers(), compute));
            int[] in = new int[node.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                String name = node.input(i);
                in[i] = name.isEmpty() ? -1 : ids.get(name);
            }
            int[] out = new int[node.outputs().size()];
            for (int i = 0; i < out.length; i++) {
                String name = node.output(i);
                out[i] = name.isEmpty() ? -1 : ids.computeIfAbsent(name, k -> ids.size());
            }
            steps.add(new Step(node, op, in, out));
        }
        int[] outputIds = new int[graph.outputs().size()];
        for (int i = 0; i < outputIds.length; i++) {
            outputIds[i] = ids.get(graph.outputs().get(i).name());
        }
        String[] names = ids.keySet().toArray(new String[0]);
        Tensor[] constantById = new Tensor[names.length];
        for (int i = 0; i < constants.size(); i++) {
            constantById[i] = constants.get(i);
        }
        dropPrepackedConstants(steps, constantById, outputIds);
        int[] slotOf = new int[names.length];
        int slotCount = planSlots(steps, names.length, constantById, inputIds, outputIds, slotOf);
        return new ExecutionPlan(steps.toArray(new Step[0]), names, constantById, slotOf, slotCount, inputIds,
                outputIds, graph.inputs(), graph.outputs(), tap);
    }

    /**
     * Forgets constants that only operators which packed them at load read (weights kept raw and
     * packed would double a model's memory). Graph outputs are kept.
     */
    private static void dropPrepackedConstants(List<Step> steps, Tensor[] constants, int[] outputIds) {
        boolean[] needed = new boolean[constants.length];
        for (int v : outputIds) {
            needed[v] = true;
        }
        for (Step step : steps) {
            for (int i = 0; i < step.inputs().length; i++) {
                int v = step.inputs()[i];
                if (v >= 0 && !(step.operator() instanceof PrepackedOperator p && !p.readsAtRunTime(i))) {
                    needed[v] = true;
                }
            }
        }
        for (int v = 0; v < constants.length; v++) {
            if (constants[v] != null && !needed[v]) {
                constants[v] = null;
            }
        }
    }

    /**
     * Steps whose output is input 0's data under another shape (same type, same element order):
     * the output takes the input's buffer (the operator then finds its data already in place), and
     * the buffer is released when the last of the values holding it has been read.
     */
    private static boolean isView(Step step) {
        Node n = step.node();
        if (!n.domain().isEmpty() || step.outputs().length != 1 || step.inputs().length == 0
                || step.inputs()[0] < 0) {
            return false;
        }
        return switch (n.opType()) {
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> true;
            default -> false;
        };
    }

    /** Linear-scan slot assignment; returns the number of slots. */
    private static int planSlots(List<Step> steps, int valueCount, Tensor[] constants, int[] inputIds,
            int[] outputIds, int[] slotOf) {
        int[] lastUse = new int[valueCount];
        Arrays.fill(lastUse, -1);
        for (int s = 0; s < steps.size(); s++) {
            for (int v : steps.get(s).inputs()) {
                if (v >= 0) {
                    lastUse[v] = s;
                }
            }
        }
        boolean[] unplanned = new boolean[valueCount];
        for (int v : inputIds) {
            unplanned[v] = true;
        }
        for (int v : outputIds) {
            unplanned[v] = true;
        }
        for (int v = 0; v < valueCount; v++) {
            if (constants[v] != null) {
                unplanned[v] = true;
            }
        }
        Arrays.fill(slotOf, -1);
        Deque<Integer> free = new ArrayDeque<>();
        int[] holders = new int[valueCount]; // per slot: values that hold it and are still to be read
        boolean[] dead = new boolean[valueCount];
        int slots = 0;
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s);
            for (int v : step.outputs()) {
                if (v >= 0 && !unplanned[v]) {
                    int in = isView(step) && v == step.outputs()[0] ? step.inputs()[0] : -1;
                    slotOf[v] = in >= 0 && slotOf[in] >= 0 ? slotOf[in] : free.isEmpty() ? slots++ : free.pop();
                    holders[slotOf[v]]++;
                }
            }
            for (int v : step.inputs()) {
                if (v >= 0 && slotOf[v] >= 0 && lastUse[v] == s && !dead[v]) {
                    dead[v] = true;
                    if (--holders[slotOf[v]] == 0) {
                        free.push(slotOf[v]);
                    }
                }
            }
            for (int v : step.outputs()) {
                if (v >= 0 && slotOf[v] >= 0 && lastUse[v] < 0 && !dead[v]) { // never read: released at once
                    dead[v] = true;
                    if (--holders[slotOf[v]] == 0) {
                        free.push(slotOf[v]);
                    }
                }
            }
        }
        return slots;
    }

    /** A fresh per-instance state (buffers grow on first use). */
    public ExecutionState newState() {
        return new ExecutionState(valueNames.length, slotCount);
    }

    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    /** Number of buffer slots the memory plan uses for intermediate values. */
    public int slotCount() {
        return slotCount;
    }

    /** Number of intermediate values (those that would need a buffer each without the plan). */
    public int plannedValueCount() {
        int n = 0;
        for (int s : slotOf) {
            n += s >= 0 ? 1 : 0;
        }
        return n;
    }

    /** The op types of the compiled steps, in execution order (for reports and tests). */
    public List<String> stepOpTypes() {
        List<String> ops = new ArrayList<>();
        for (Step s : steps) {
            ops.add(s.node().domain().isEmpty() ? s.node().opType() : s.node().domain() + ":" + s.node().opType());
        }
        return ops;
    }

    /**
     * Runs the plan once.
     *
     * @param state this instance's buffers; must not be used by two threads at once
     * @param feeds one tensor per graph input, by name; not modified
     * @return the graph outputs by name, in declaration order, owned by the caller
     * @throws EngineException for missing or mistyped inputs, or a node failing (named in the message)
     */
    public Map<String, Tensor> run(ExecutionState state, Map<String, Tensor> feeds) {
        return run(state, feeds, null);
    }

    /** A profile to pass to {@link #run(ExecutionState, Map, StepProfile)}, empty. */
    public StepProfile newProfile() {
        String[] names = new String[steps.length];
        for (int i = 0; i < steps.length; i++) {
            names[i] = steps[i].node().describe();
        }
        return new StepProfile(names, stepOpTypes().toArray(String[]::new));
    }

    /**
     * Runs the plan once, adding each step's wall time to {@code profile} when it is not null (it
     * must come from this plan's {@link #newProfile()}).
     */
    public Map<String, Tensor> run(ExecutionState state, Map<String, Tensor> feeds, StepProfile profile) {
        Tensor[] values = state.values;
        System.arraycopy(constants, 0, values, 0, constants.length);
        for (int i = 0; i < inputIds.length; i++) {
            ValueInfo info = inputs.get(i);
            Tensor t = feeds.get(info.name());
            if (t == null) {
                throw new EngineException("input '" + info.name() + "' is missing");
            }
            checkInput(info, t);
            values[inputIds[i]] = t;
        }
        if (feeds.size() != inputIds.length) {
            for (String name : feeds.keySet()) {
                if (inputs.stream().noneMatch(v -> v.name().equals(name))) {
                    throw new EngineException("'" + name + "' is not an input of this model");
                }
            }
        }
        StepContext ctx = state.context(this);
        try {
            for (int s = 0; s < steps.length; s++) {
                Step step = steps[s];
                ctx.bind(step);
                long start = profile == null ? 0 : System.nanoTime();
                try {
                    step.operator().run(ctx);
                    if (profile != null) {
                        profile.add(s, System.nanoTime() - start);
                    }
                } catch (EngineException e) {
                    throw new EngineException(step.node().describe() + ": " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    throw new EngineException(step.node().describe() + " failed: " + e, e);
                }
                for (int i = 0; i < step.outputs().length; i++) {
                    int v = step.outputs()[i];
                    if (v >= 0 && values[v] == null) {
                        throw new EngineException(step.node().describe() + " did not produce output '"
                                + valueNames[v] + "'");
                    }
                }
            }
            Map<String, Tensor> result = new LinkedHashMap<>();
            for (int i = 0; i < outputIds.length; i++) {
                int v = outputIds[i];
                Tensor t = values[v];
                boolean fresh = slotOf[v] < 0 && constants[v] == null && !isInput(v);
                result.put(outputs.get(i).name(), fresh ? t : t.copy());
            }
            if (profile != null) {
                profile.endRun();
            }
            return result;
        } finally {
            Arrays.fill(values, null); // do not retain the caller's tensors
        }
    }

    private boolean isInput(int v) {
        for (int id : inputIds) {
            if (id == v) {
                return true;
            }
        }
        return false;
    }

    private static void checkInput(ValueInfo info, Tensor t) {
        if (t.type() != info.type()) {
            throw new EngineException("input '" + info.name() + "' must be " + info.type() + ", got " + t.type());
        }
        if (info.dims().length == 0 && info.dimNames() == null) {
            return; // shape not declared
        }
        if (t.rank() != info.rank()) {
            throw new EngineException("input '" + info.name() + "' must have rank " + info.rank() + ", got shape "
                    + Arrays.toString(t.shape()));
        }
        for (int d = 0; d < info.rank(); d++) {
            if (info.dims()[d] >= 0 && info.dims()[d] != t.dim(d)) {
                throw new EngineException("input '" + info.name() + "' must have shape "
                        + Arrays.toString(info.dims()) + " (-1 = any), got " + Arrays.toString(t.shape()));
            }
        }
    }

    int slotOf(int value) {
        return slotOf[value];
    }

    QuantizationTap tap() {
        return tap;
    }

    /** Value names by id, for debugging. */
    Map<String, Integer> valueIds() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < valueNames.length; i++) {
            m.put(valueNames[i], i);
        }
        return m;
    }
}
