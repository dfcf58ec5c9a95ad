package io.tare.server.engine.ops;

/**
 * A node prepared for execution: attributes parsed, constant weights converted or packed once at
 * load. One {@code Operator} serves every request and every model instance, so it must keep no
 * per-run state in fields: scratch memory comes from {@link OpContext}.
 */
@FunctionalInterface
public interface Operator {
    /**
     * Reads the inputs of {@code ctx} and writes every element of each output it asks for.
     *
     * @throws io.tare.server.engine.EngineException when the inputs break the operator's contract
     *     (shapes that do not match, indices out of range); the executor adds the node's name
     */
    void run(OpContext ctx);
}
