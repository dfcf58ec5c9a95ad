package io.tare.client.perf;

/**
 * One point of a perf sweep: either a closed loop of {@code concurrency} requests always in flight, or an
 * open loop sending {@code requestRate} requests per second on a fixed schedule regardless of replies.
 */
public record LoadLevel(int concurrency, double requestRate) {
    public LoadLevel {
        if ((concurrency > 0) == (requestRate > 0)) {
            throw new IllegalArgumentException("a load level has either a concurrency or a request rate");
        }
    }

    public static LoadLevel concurrency(int inFlight) {
        return new LoadLevel(inFlight, 0);
    }

    public static LoadLevel requestRate(double perSecond) {
        return new LoadLevel(0, perSecond);
    }

    public boolean isClosedLoop() {
        return concurrency > 0;
    }

    @Override
    public String toString() {
        return isClosedLoop() ? "concurrency " + concurrency : "rate " + requestRate + "/s";
    }
}
