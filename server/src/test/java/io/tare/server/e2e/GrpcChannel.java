package io.tare.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tare.proto.inference.GRPCInferenceServiceGrpc;
import java.util.concurrent.TimeUnit;

/** A plaintext channel to a test server and its blocking stub, for calls the SDK does not wrap. */
final class GrpcChannel implements AutoCloseable {
    private final ManagedChannel channel;

    GrpcChannel(int port) {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    ManagedChannel channel() {
        return channel;
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
