package io.tare.client.calibrate;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.calibration.CalibrationServiceGrpc;
import io.tare.proto.calibration.CalibrationStatistics;
import io.tare.proto.calibration.Range;
import io.tare.proto.calibration.ScaleTable;
import io.tare.proto.calibration.StreamStatisticsRequest;
import io.tare.proto.calibration.TensorStatistics;
import io.tare.proto.calibration.UpdateScalesRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Calibrates one model across a fleet: reads each server's statistics stream, merges the
 * per-tensor "since the active scales were set" histograms exactly (fixed bins, so the merge of two
 * servers' halves equals one server seeing everything), derives scales with a range method and
 * optionally pushes them to every server (compare-and-set on each server's own version).
 *
 * <p>The merge is exact for the samples each server took; servers that refreshed at different
 * times contribute different periods, which {@link Merged#versions} shows. Not thread-safe; one
 * instance per run; close it to release the channels.
 */
public final class FleetCalibration implements AutoCloseable {
    /** Servers' latest statistics, merged. */
    public record Merged(Map<String, TensorHistogram> histograms, Map<String, Long> versions) {
    }

    private final List<String> targets;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final String token;

    /** @param token admin bearer token for pushes, or null */
    public FleetCalibration(List<String> targets, String token) {
        this.targets = List.copyOf(targets);
        this.token = token;
        for (String t : targets) {
            channels.add(ManagedChannelBuilder.forTarget(t).usePlaintext().maxInboundMessageSize(64 << 20).build());
        }
    }

    private CalibrationServiceGrpc.CalibrationServiceBlockingStub stub(int i) {
        var stub = CalibrationServiceGrpc.newBlockingStub(channels.get(i));
        if (token == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** One statistics message from every server (the first each sends), merged. */
    public Merged collect(String model, List<String> tensors) {
        Map<String, TensorHistogram> merged = new LinkedHashMap<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            Iterator<CalibrationStatistics> stream = stub(i).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .streamStatistics(StreamStatisticsRequest.newBuilder().setModelName(model).setIntervalMs(100)
                            .addAllTensors(tensors).build());
            CalibrationStatistics s = stream.next();
            versions.put(targets.get(i), s.getScaleVersion());
            for (TensorStatistics t : s.getTensorsList()) {
                TensorHistogram h = TensorHistogram.fromBytes(t.getSinceRefreshHistogram().toByteArray());
                merged.merge(t.getTensor(), h, (a, b) -> {
                    a.merge(b);
                    return a;
                });
            }
            channels.get(i).shutdownNow();
            channels.set(i, ManagedChannelBuilder.forTarget(targets.get(i)).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build()); // a fresh channel ends the stream cleanly
        }
        return new Merged(merged, versions);
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
            long version = stub(i).getScales(io.tare.proto.calibration.GetScalesRequest.newBuilder()
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
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
