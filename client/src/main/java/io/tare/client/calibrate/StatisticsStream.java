package io.tare.client.calibrate;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tare.proto.calibration.CalibrationServiceGrpc;
import io.tare.proto.calibration.CalibrationStatistics;
import io.tare.proto.calibration.StreamStatisticsRequest;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows one server's {@code StreamStatistics} stream for as long as it is open, and reopens it
 * when the server goes away (stream ended, connection lost, server restarting), with a backoff from
 * {@link #FIRST_RETRY} doubling to {@link #LAST_RETRY}. Everything that happens is reported as an
 * {@link Event} to one sink, on gRPC's or the retry timer's threads: the sink must be thread-safe and
 * must not block.
 *
 * <p>A refusal before the stream ever delivered anything (unknown model, model without online
 * calibration, bad request) is not retried: it is a mistake on the command line, reported as
 * {@link Failed}. Once the stream has worked, every ending is retried, since a server that restarts
 * may answer NOT_FOUND until its models are loaded again.
 */
final class StatisticsStream implements AutoCloseable {
    static final Duration FIRST_RETRY = Duration.ofMillis(250);
    static final Duration LAST_RETRY = Duration.ofSeconds(4);

    /** What a stream reports; {@code server} is its index in the fleet. */
    sealed interface Event permits Received, Lost, Failed {
        int server();
    }

    /** A statistics message. */
    record Received(int server, CalibrationStatistics statistics) implements Event {
    }

    /**
     * The stream ended or could not be opened, and is reopened after {@code retryIn};
     * {@code everReceived} tells a server that went away from one not reached yet.
     */
    record Lost(int server, Status status, Duration retryIn, boolean everReceived) implements Event {
    }

    /** The server refused the stream; it is not retried. */
    record Failed(int server, Status status) implements Event {
    }

    private final int server;
    private final ManagedChannel channel;
    private final CalibrationServiceGrpc.CalibrationServiceStub stub;
    private final StreamStatisticsRequest request;
    private final Consumer<Event> sink;
    private final ScheduledExecutorService retries;
    private boolean closed;
    private ClientCallStreamObserver<StreamStatisticsRequest> call;
    private boolean everReceived;
    private Duration backoff = FIRST_RETRY;

    /**
     * @param retries runs the reopening; shared by a fleet's streams, owned by the caller
     */
    StatisticsStream(int server, ManagedChannel channel, CalibrationServiceGrpc.CalibrationServiceStub stub,
                     StreamStatisticsRequest request, Consumer<Event> sink, ScheduledExecutorService retries) {
        this.server = server;
        this.channel = channel;
        this.stub = stub;
        this.request = request;
        this.sink = sink;
        this.retries = retries;
    }

    /** Opens the stream; events follow until {@link #close()}. */
    synchronized void start() {
        if (closed) {
            return;
        }
        stub.streamStatistics(request, new ClientResponseObserver<StreamStatisticsRequest, CalibrationStatistics>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<StreamStatisticsRequest> observer) {
                call = observer;
            }

            @Override
            public void onNext(CalibrationStatistics statistics) {
                received(statistics);
            }

            @Override
            public void onError(Throwable t) {
                ended(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended(Status.UNAVAILABLE.withDescription("the server ended the stream"));
            }
        });
    }

    private synchronized void received(CalibrationStatistics statistics) {
        if (closed) {
            return;
        }
        everReceived = true;
        backoff = FIRST_RETRY;
        sink.accept(new Received(server, statistics));
    }

    private synchronized void ended(Status status) {
        if (closed) {
            return; // our own cancel
        }
        call = null;
        if (!everReceived && status.getCode() != Status.Code.UNAVAILABLE
                && status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
            sink.accept(new Failed(server, status));
            return;
        }
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : backoff.multipliedBy(2);
        sink.accept(new Lost(server, status, wait, everReceived));
        // the channel backs off reconnecting for up to minutes by itself; this stream sets the pace
        channel.resetConnectBackoff();
        try {
            retries.schedule(this::start, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the fleet is closing: nothing left to reopen for
        }
    }

    /** Cancels the stream and any pending reopen; no events after this returns. */
    @Override
    public synchronized void close() {
        closed = true;
        if (call != null) {
            call.cancel("client stopped following", null);
            call = null;
        }
    }
}
