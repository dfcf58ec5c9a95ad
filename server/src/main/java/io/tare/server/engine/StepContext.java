package io.tare.server.engine;

import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.quant.QuantizationTap;

/** The {@link OpContext} of the executor: bound to one step at a time, reused across steps. */
final class StepContext implements OpContext {
    private final ExecutionPlan plan;
    private final ExecutionState state;
    private ExecutionPlan.Step step;

    StepContext(ExecutionPlan plan, ExecutionState state) {
        this.plan = plan;
        this.state = state;
    }

    ExecutionPlan plan() {
        return plan;
    }

    void bind(ExecutionPlan.Step step) {
        this.step = step;
    }

    @Override
    public int inputCount() {
        return step.inputs().length;
    }

    @Override
    public Tensor input(int i) {
        if (i >= step.inputs().length || step.inputs()[i] < 0) {
            return null;
        }
        return state.values[step.inputs()[i]];
    }

    @Override
    public int outputCount() {
        return step.outputs().length;
    }

    @Override
    public boolean wantsOutput(int i) {
        return i < step.outputs().length && step.outputs()[i] >= 0;
    }

    @Override
    public Tensor output(int i, DataType type, int[] shape) {
        if (!wantsOutput(i)) {
            // an omitted optional output still may be computed by the operator: give it scratch
            return Tensor.allocate(type, shape);
        }
        int v = step.outputs()[i];
        Tensor t = state.values[v];
        if (t != null && t.type() == type && java.util.Arrays.equals(t.shape(), shape)) {
            return t; // asked twice in one run
        }
        t = state.allocate(v, plan.slotOf(v), type, shape);
        state.values[v] = t;
        return t;
    }

    @Override
    public float[] floatScratch(int slot, int minLength) {
        return state.floatScratch(slot, minLength);
    }

    @Override
    public byte[] byteScratch(int slot, int minLength) {
        return state.byteScratch(slot, minLength);
    }

    @Override
    public int[] intScratch(int slot, int minLength) {
        return state.intScratch(slot, minLength);
    }

    @Override
    public io.tare.kernels.quant.QuantizedRows quantizedRows(int slot, int rows, int k) {
        return state.quantizedRows(slot, rows, k);
    }

    @Override
    public io.tare.server.engine.quant.ScaleTable scaleTable() {
        return state.scaleTable;
    }

    @Override
    public QuantizationTap tap() {
        return plan.tap();
    }
}
