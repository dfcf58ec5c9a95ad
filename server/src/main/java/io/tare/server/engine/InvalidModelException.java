package io.tare.server.engine;

/** The model file is malformed: unreadable protobuf, dangling names, missing external data. */
public class InvalidModelException extends EngineException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
