package io.tare.server.frontend.grpc;

import io.grpc.netty.shaded.io.netty.channel.SelectStrategy;
import io.grpc.netty.shaded.io.netty.channel.SelectStrategyFactory;
import io.grpc.netty.shaded.io.netty.util.IntSupplier;
import java.util.function.LongSupplier;

/**
 * A Netty select strategy that keeps an event loop polling (non-blocking {@code epoll_wait}) for a
 * bounded time after its last I/O or task before it blocks, then blocks as Netty's default does.
 *
 * <p>Why: the answer to a request is written by a compute thread, which hands the write to the
 * event loop. If the loop has blocked in {@code epoll_wait}, that hand-off is a wake-up through an
 * eventfd, which on these VMs costs 100-300 µs when the loop's vCPU has halted. A loop still
 * polling sees the task on its next turn, and the compute thread skips the eventfd write (Netty
 * only writes it to a loop that is about to block). An idle loop blocks after {@code spinNanos}, so
 * a quiet server burns no CPU.
 *
 * <p>The window opens when the loop's work ends, not when it begins: the strategy is asked at the
 * top of every turn, so a turn that found I/O, ran tasks or came back from a blocking select marks
 * the next call as the end of some work. Timing it from the start of a turn let the decoding of a
 * request that woke a blocked loop use up the window, and at concurrency 1, where every request
 * wakes a blocked loop, the loop then never polled for the answer at all (strace: one non-blocking
 * {@code epoll_wait} after each hand-off, then a blocking one, and an eventfd write per answer).
 *
 * <p>Threading: one instance per event loop ({@link #factory}), used only by that loop's thread.
 */
final class SpinningSelectStrategy implements SelectStrategy {
    private final long spinNanos;
    private final LongSupplier clock;
    private long lastActive;
    /** Whether the loop did work (I/O, tasks, or a blocking select that returned) since the last call. */
    private boolean worked;

    SpinningSelectStrategy(long spinNanos, LongSupplier clock) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be >= 0, got " + spinNanos);
        }
        this.spinNanos = spinNanos;
        this.clock = clock;
        this.lastActive = clock.getAsLong();
    }

    /** A factory giving each event loop its own strategy; {@code spinNanos} 0 behaves as Netty's default. */
    static SelectStrategyFactory factory(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be >= 0, got " + spinNanos);
        }
        return () -> new SpinningSelectStrategy(spinNanos, System::nanoTime);
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        long now = clock.getAsLong();
        if (worked) {
            lastActive = now; // the previous turn's work ended just now
            worked = false;
        }
        if (hasTasks) {
            worked = true;
            return selectNow.get(); // as Netty's default: never block while tasks wait
        }
        int ready = selectNow.get();
        if (ready > 0) {
            worked = true;
            return ready;
        }
        if (now - lastActive < spinNanos) {
            Thread.yield(); // a polling loop gives its core to any thread with work
            return CONTINUE; // the loop runs its tasks (none, or one just added) and asks again
        }
        worked = true; // whatever ends the blocking select (I/O, a task, a timer) is work to time from
        return SELECT;
    }
}
