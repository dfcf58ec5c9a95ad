package io.tare.server.frontend.grpc;

import io.grpc.netty.shaded.io.netty.channel.SelectStrategy;
import io.grpc.netty.shaded.io.netty.channel.SelectStrategyFactory;
import io.grpc.netty.shaded.io.netty.util.IntSupplier;
import io.tare.server.frontend.PollWindow;
import java.util.function.LongSupplier;

/**
 * The gRPC event loops' select strategy (grpc's shaded Netty): poll for a bounded time after the
 * loop's last work, then block; the rule and its reasons are {@link PollWindow}'s.
 *
 * <p>Threading: one instance per event loop ({@link #factory}), used only by that loop's thread.
 */
final class SpinningSelectStrategy implements SelectStrategy {
    private final PollWindow window;

    SpinningSelectStrategy(long spinNanos, LongSupplier clock) {
        this.window = new PollWindow(spinNanos, clock);
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
        return window.strategy(selectNow::get, hasTasks, CONTINUE, SELECT);
    }
}
