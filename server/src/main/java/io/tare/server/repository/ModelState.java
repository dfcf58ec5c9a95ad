package io.tare.server.repository;

/** Index entry of a model version: Triton's states and the reason for the last failure. */
public record ModelState(String name, String version, String state, String reason) {
    public static final String READY = "READY";
    public static final String UNAVAILABLE = "UNAVAILABLE";
    public static final String LOADING = "LOADING";
}
