package io.tare.server.engine.ops;

/**
 * An operator that copied some constant inputs into its own form at load (packed weights, a float
 * bias) and never reads them at run time. The execution plan drops a constant all of whose readers
 * say so, so that a loaded model does not keep its weights twice (raw and packed).
 */
public interface PrepackedOperator extends Operator {
    /** Whether input {@code index} is read during {@link #run} (false for inputs taken at load). */
    boolean readsAtRunTime(int index);
}
