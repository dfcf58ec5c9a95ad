package io.tare.client.calibrate;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.calibration.CalibrationServiceGrpc;
import io.tare.proto.calibration.GetScalesRequest;
import io.tare.proto.calibration.Range;
import io.tare.proto.calibration.ScaleTable;
import io.tare.proto.calibration.StreamStatisticsRequest;
import io.tare.proto.calibration.UpdateScalesRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Calibrates one model across a fleet: follows each server's statistics stream ({@link #follow}, or
 * {@link #collect} for one round), merges the per-tensor "since the active scales were set"
 * histograms exactly (fixed bins, so the merge of two servers' halves equals one server seeing
 * everything), derives scales with a range method and optionally pushes them to every server
 * (compare-and-set on each server's own version).
 *
 * <p>The merge is exact for the samples each server took; servers that refreshed at different
 * times contribute different periods, which {@link Merged#versions} shows. Not thread-safe; one
 * instance per run; close it to release the channels (after closing the follows it made).
 */
public final class FleetCalibration implements AutoCloseable {
    /** Servers' latest statistics, merged. */
    public record Merged(Map<String, TensorHistogram> histograms, Map<String, Long> versions) {
    }

    private final List<String> targets;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final String token;
    /** Reopens lost streams; one daemon thread for the whole fleet. */
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("tare-calibrate-retry").unstarted(r));

    /** @param token admin bearer token for pushes, or null */
    public FleetCalibration(List<String> targets, String token) {
        this.targets = List.copyOf(targets);
        this.token = token;
        for (String t : targets) {
            channels.add(ManagedChannelBuilder.forTarget(t).usePlaintext().maxInboundMessageSize(64 << 20).build());
        }
    }

    private CalibrationServiceGrpc.CalibrationServiceBlockingStub stub(int i) {
        return withToken(CalibrationServiceGrpc.newBlockingStub(channels.get(i)));
    }

    private <S extends AbstractStub<S>> S withToken(S stub) {
        if (token == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /**
     * Follows every server's statistics stream (messages every {@code interval}, at least 100 ms on
     * the server) until the returned follow is closed. Connection news goes to {@code notices}.
     *
     * @param tensors only these tensors; empty: all
     */
    public FleetFollow follow(String model, List<String> tensors, Duration interval, Consumer<String> notices) {
        StreamStatisticsRequest request = StreamStatisticsRequest.newBuilder().setModelName(model)
                .setIntervalMs((int) Math.max(1, Math.min(Integer.MAX_VALUE, interval.toMillis())))
                .addAllTensors(tensors).build();
        return new FleetFollow(targets, notices, (i, sink) -> new StatisticsStream(i, channels.get(i),
                withToken(CalibrationServiceGrpc.newStub(channels.get(i))), request, sink, retries));
    }

    /**
     * One statistics message from every server, merged (the first complete round of {@link #follow}).
     *
     * @throws StatusRuntimeException when a server refuses, or DEADLINE_EXCEEDED when some server
     *     sends nothing within a minute
     */
    public Merged collect(String model, List<String> tensors) {
        Duration limit = Duration.ofSeconds(60);
        try (FleetFollow follow = follow(model, tensors, Duration.ofMillis(100), notice -> { })) {
            FleetFollow.Update update = follow.next(limit);
            if (update == null) {
                throw FleetFollow.timedOut(follow.waitingFor(), limit);
            }
            return update.merged();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    /** UINT8 scales from merged histograms; tensors without finite data are left out. */
    public static Map<String, ScaleZeroPoint> scales(Map<String, TensorHistogram> histograms, RangeMethod method) {
        Map<String, ScaleZeroPoint> out = new LinkedHashMap<>();
        histograms.forEach((tensor, h) -> {
            if (!h.isEmpty() && h.nanCount() + h.infCount() == 0) {
                out.put(tensor, method.scaleZeroPoint(h, ActivationEncoding.UINT8_ASYMMETRIC));
            }
        });
        return out;
    }

    /** Pushes {@code scales} to every server, each against its own current version; returns the new tables. */
    public List<ScaleTable> push(String model, Map<String, ScaleZeroPoint> scales) {
        List<ScaleTable> installed = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            long version = stub(i).getScales(GetScalesRequest.newBuilder()
                    .setModelName(model).build()).getVersion();
            UpdateScalesRequest.Builder b = UpdateScalesRequest.newBuilder().setModelName(model).setExpectedVersion(version);
            scales.forEach((t, s) -> b.putEntries(t, Range.newBuilder().setScale(s.scale()).setZeroPoint(s.zeroPoint())
                    .build()));
            installed.add(stub(i).updateScales(b.build()));
        }
        return installed;
    }

    @Override
    public void close() {
        retries.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
