package io.tare.server.engine.ops;

/**
 * Prepares one node for execution. Called once per node at load.
 *
 * @see OperatorRegistry
 */
@FunctionalInterface
public interface OperatorFactory {
    /**
     * @throws io.tare.server.engine.UnsupportedModelException when an attribute value or input
     *     combination is one the operator does not implement; the message says which
     */
    Operator create(NodeSetup setup);
}
