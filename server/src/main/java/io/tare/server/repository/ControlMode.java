package io.tare.server.repository;

/** Triton's model control modes. */
public enum ControlMode {
    /** Load everything at start; the repository API cannot change it. */
    NONE,
    /** Load only what is asked for (at start with --load-model, later through the API). */
    EXPLICIT,
    /** Load everything at start and follow changes on disk. */
    POLL
}
