package io.tare.server.frontend.grpc;

import io.grpc.netty.shaded.io.netty.channel.SelectStrategy;
import io.grpc.netty.shaded.io.netty.channel.SelectStrategyFactory;
import io.grpc.netty.shaded.io.netty.util.IntSupplier;

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
 * <p>Threading: one instance per event loop ({@link #factory}), used only by that loop's thread.
 */
final class SpinningSelectStrategy implements SelectStrategy {
    private final long spinNanos;
    private long lastActive = System.nanoTime();

    private SpinningSelectStrategy(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    /** A factory giving each event loop its own strategy; {@code spinNanos} 0 behaves as Netty's default. */
    static SelectStrategyFactory factory(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be >= 0, got " + spinNanos);
        }
        return () -> new SpinningSelectStrategy(spinNanos);
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (hasTasks) {
            lastActive = System.nanoTime();
            return selectNow.get(); // as Netty's default: never block while tasks wait
        }
        int ready = selectNow.get();
        long now = System.nanoTime();
        if (ready > 0) {
            lastActive = now;
            return ready;
        }
        if (now - lastActive < spinNanos) {
            Thread.yield(); // a polling loop gives its core to any thread with work
            return CONTINUE; // the loop runs its tasks (none, or one just added) and asks again
        }
        return SELECT;
    }
}
