package io.tare.server.engine;

/**
 * A failure of the engine while running a model: bad inputs, or a node whose inputs break its
 * contract at run time. The message names the node. Unchecked so that operators stay plain code.
 */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
