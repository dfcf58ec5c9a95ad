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
        // idle: it blocks (the select returns at once with the I/O waiting), then processes it
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 2, false));
        now += SPIN / 2;
        assertEquals(2, s.calculateStrategy(() -> 2, false)); // more I/O, seen by a poll in the window
        now += 5 * SPIN;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        assertEquals(0, s.calculateStrategy(() -> 0, true)); // a task (the answer) arrived
        now += 5 * SPIN; // writing it took long
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        now += SPIN;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
    }

    @Test
    void aClosedWindowBlocksWithoutANonBlockingSelectFirst() throws Exception {
        SpinningSelectStrategy s = strategy(SPIN);
        int[] selects = {0};
        now += 10 * SPIN;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> ++selects[0] * 0, false));
        assertEquals(0, selects[0], "an idle loop blocks straight away: one syscall, not two");
        now += SPIN / 2; // inside the window the loop polls
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> ++selects[0] * 0, false));
        assertEquals(1, selects[0]);
    }

    @Test
    void zeroSpinBlocksAtOnceAndNegativeIsRefused() throws Exception {
        SpinningSelectStrategy s = strategy(0);
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        // I/O already waiting: the blocking select returns it at once, so no non-blocking one first
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 3, false));
        assertEquals(3, s.calculateStrategy(() -> 3, true), "with tasks waiting it never blocks");
        assertThrows(IllegalArgumentException.class, () -> SpinningSelectStrategy.factory(-1));
    }
}
