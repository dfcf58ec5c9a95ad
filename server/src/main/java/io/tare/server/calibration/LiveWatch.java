package io.tare.server.calibration;

/**
 * The watch after a swap: served outputs of the next sampled batches that ran with the new table
 * are compared with the float reference; if their top-1 agreement ends more than a margin below
 * what the table was expected to give, the swap is to be rolled back. Calibration thread only.
 */
final class LiveWatch {
    private final long version;
    private final double expectedTop1;
    private final int batchesNeeded;
    private final OutputQuality live = new OutputQuality();
    private int batches;

    LiveWatch(long version, double expectedTop1, int batchesNeeded) {
        this.version = version;
        this.expectedTop1 = expectedTop1;
        this.batchesNeeded = batchesNeeded;
    }

    /**
     * Adds a sampled batch (ignored unless it ran with the watched version).
     *
     * @return true once enough batches were seen; then {@link #rollbackReason} decides
     */
    boolean observe(RefreshGuard guard, SampleCapture c) {
        if (c.scaleVersion() == version && !c.outputs().isEmpty()) {
            guard.addLive(live, c.inputs(), c.outputs());
            batches++;
        }
        return batches >= batchesNeeded;
    }

    /** Why to roll back, or null when live quality held within {@code margin}. */
    String rollbackReason(double margin) {
        if (live.top1Agreement() >= expectedTop1 - margin) {
            return null;
        }
        return "live quality dropped after version " + version + ": " + live + ", expected top-1 " + expectedTop1;
    }
}
