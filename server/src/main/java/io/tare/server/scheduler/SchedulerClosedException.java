package io.tare.server.scheduler;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;

/** Raised by a scheduler that no longer accepts work; the repository retries on a newer version. */
public final class SchedulerClosedException extends TareException {
    public SchedulerClosedException(String model) {
        super(ErrorCode.UNAVAILABLE, "model '" + model + "' is being unloaded");
    }
}
