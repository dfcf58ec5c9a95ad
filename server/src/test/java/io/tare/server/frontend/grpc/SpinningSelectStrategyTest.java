package io.tare.server.frontend.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.netty.shaded.io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

/** The spin window of {@link SpinningSelectStrategy}, on a hand-driven clock. */
class SpinningSelectStrategyTest {
    private static final long SPIN = 300_000;
    private long now = 1_000_000_000L;

    private SpinningSelectStrategy strategy(long spinNanos) {
        return new SpinningSelectStrategy(spinNanos, () -> now);
    }

    @Test
    void pollsAfterTheWorkThatABlockingSelectBroughtEnds() throws Exception {
        SpinningSelectStrategy s = strategy(SPIN);
        now += 10 * SPIN; // long idle
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        // the select returned with a request; decoding it took longer than the whole window
        now += 2 * SPIN;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false),
                "right after the work, the loop polls for the answer instead of blocking");
        now += SPIN - 1;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        now += 1;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false), "then it blocks");
    }

    @Test
    void theWindowRestartsAfterIoOrTasksEnd() throws Exception {
        SpinningSelectStrategy s = strategy(SPIN);
        now += 10 * SPIN;
        assertEquals(2, s.calculateStrategy(() -> 2, false)); // I/O ready, processed in this turn
        now += 5 * SPIN;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        assertEquals(0, s.calculateStrategy(() -> 0, true)); // a task (the answer) arrived
        now += 5 * SPIN; // writing it took long
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        now += SPIN;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
    }

    @Test
    void zeroSpinBlocksAtOnceAndNegativeIsRefused() throws Exception {
        SpinningSelectStrategy s = strategy(0);
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        assertEquals(3, s.calculateStrategy(() -> 3, false));
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        assertThrows(IllegalArgumentException.class, () -> SpinningSelectStrategy.factory(-1));
    }
}
