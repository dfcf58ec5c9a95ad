package io.tare.server.engine;

import io.tare.server.engine.graph.ValueInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import io.tare.server.engine.quant.ScaleTable;

/**
 * A model ready to run. Thread-safe: {@link #run} borrows a per-run {@link ExecutionState} from a
 * small pool, so concurrent callers never share buffers and a caller that runs one request at a
 * time reuses the same buffers (no activation allocation after warm-up). For explicit ownership of
 * buffers per worker, use {@link #newSession()}.
 */
public final class LoadedModel {
    private final ExecutionPlan plan;
    private final EngineOptions options;
    private final List<String> appliedPasses;
    private final ConcurrentLinkedQueue<ExecutionState> idle = new ConcurrentLinkedQueue<>();
    private final AtomicReference<ScaleTable> scaleTable;

    LoadedModel(ExecutionPlan plan, EngineOptions options, List<String> appliedPasses) {
        this.plan = plan;
        this.options = options;
        this.appliedPasses = List.copyOf(appliedPasses);
        this.scaleTable = new AtomicReference<>(options.scaleTable());
    }

    /** The activation scale table runs use now (STATIC mode), or {@code null}. */
    public ScaleTable scaleTable() {
        return scaleTable.get();
    }

    /**
     * Swaps in a new scale table atomically: runs that started keep the table they read, later runs
     * see the new one.
     *
     * @throws IllegalArgumentException unless the new version is higher than the current one
     */
    public void updateScaleTable(ScaleTable table) {
        scaleTable.getAndUpdate(current -> {
            if (current != null && table.version() <= current.version()) {
                throw new IllegalArgumentException("scale table version " + table.version()
                        + " is not newer than " + current.version());
            }
            return table;
        });
    }

    /** Graph inputs: name, element type, dims (-1 where symbolic). */
    public List<ValueInfo> inputs() {
        return plan.inputs();
    }

    public List<ValueInfo> outputs() {
        return plan.outputs();
    }

    public EngineOptions options() {
        return options;
    }

    /** Names of the graph passes that changed the graph at load. */
    public List<String> appliedPasses() {
        return appliedPasses;
    }

    /** The compiled plan (op list, memory plan size), for reports and tests. */
    public ExecutionPlan plan() {
        return plan;
    }

    /**
     * Runs the model.
     *
     * @param inputs one tensor per graph input, by name; not modified, not retained
     * @return outputs by name in declaration order, owned by the caller
     * @throws EngineException for bad inputs or a failing node (the message names it)
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        ExecutionState state = idle.poll();
        if (state == null) {
            state = plan.newState();
        }
        try {
            state.scaleTable = scaleTable.get();
            return plan.run(state, inputs);
        } finally {
            idle.offer(state);
        }
    }

    /** A session with its own buffers, for one thread at a time (e.g. one per model instance). */
    public ModelSession newSession() {
        return new ModelSession(this, plan.newState());
    }

    /** Runs with buffers owned by one caller; not thread-safe. */
    public static final class ModelSession {
        private final LoadedModel model;
        private final ExecutionState state;

        ModelSession(LoadedModel model, ExecutionState state) {
            this.model = model;
            this.state = state;
        }

        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
            state.scaleTable = model.scaleTable.get();
            return model.plan.run(state, inputs);
        }

        /** {@link #run(Map)}, adding each step's time to {@code profile} (from the plan's {@code newProfile()}). */
        public Map<String, Tensor> run(Map<String, Tensor> inputs, StepProfile profile) {
            state.scaleTable = model.scaleTable.get();
            return model.plan.run(state, inputs, profile);
        }
    }
}
