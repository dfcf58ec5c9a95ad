package io.tare.client.perf;

/**
 * What one load level measured.
 *
 * @param completed      successful requests that finished inside the measurement window
 * @param errors         failed requests that finished inside the window
 * @param firstError     the first failure's message (any phase), or empty
 * @param measureSeconds length of the measurement window
 * @param latency        latencies of the successful requests in the window (open loop: from the scheduled
 *                       send time, so a client or server falling behind shows up instead of hiding)
 */
public record PerfResult(LoadLevel level, int batch, long completed, long errors, String firstError,
                         double measureSeconds, LatencySummary latency) {
    /** Successful requests per second. */
    public double requestsPerSecond() {
        return completed / measureSeconds;
    }

    /** Successful inferences (rows) per second: requests per second times the batch size. */
    public double inferencesPerSecond() {
        return requestsPerSecond() * batch;
    }
}
