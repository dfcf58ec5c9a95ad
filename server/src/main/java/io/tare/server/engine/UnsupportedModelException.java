package io.tare.server.engine;

/**
 * The model uses something the engine cannot run: an operator, an opset, an attribute value or an
 * element type. Thrown at load, before any request, with a message naming the first offender
 * (operator, domain, opset and node name where they apply).
 */
public class UnsupportedModelException extends EngineException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
