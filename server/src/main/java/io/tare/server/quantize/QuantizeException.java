package io.tare.server.quantize;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;

/**
 * Why offline quantization refused its input (bad model, bad calibration data, impossible
 * option). The message is written for the person who ran {@code tare quantize}: it names the file,
 * tensor or layer at fault and what would be accepted. Nothing is written when it is thrown.
 */
public final class QuantizeException extends TareException {

    public QuantizeException(String message) {
        super(ErrorCode.INVALID_ARG, message);
    }

    public QuantizeException(String message, Throwable cause) {
        super(ErrorCode.INVALID_ARG, message, cause);
    }
}
