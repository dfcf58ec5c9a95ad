package io.tare.server.frontend.grpc;

import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.calibration.CalibrationEvent;
import io.tare.proto.calibration.CalibrationStatistics;
import io.tare.proto.calibration.HistoryEntry;
import io.tare.proto.calibration.Range;
import io.tare.proto.calibration.ScaleTable;
import io.tare.proto.calibration.TensorStatistics;
import io.tare.server.calibration.CalibrationSnapshot;
import io.tare.server.core.TareException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The one conversion between calibration's types and the tare.calibration.v1 messages. */
public final class CalibrationProtoCodec {
    private CalibrationProtoCodec() {
    }

    public static CalibrationStatistics statistics(CalibrationSnapshot s, Set<String> onlyTensors, boolean histograms) {
        CalibrationStatistics.Builder b = CalibrationStatistics.newBuilder().setModelName(s.model())
                .setTimeMs(s.timeMillis()).setScaleVersion(s.version()).setPolicy(s.policy().wireName())
                .setSamplesTaken(s.samplesTaken()).setSamplesDropped(s.samplesDropped())
                .setSamplesProcessed(s.samplesProcessed()).setSamplingCost(s.samplingCost())
                .setRefreshesAccepted(s.accepted()).setRefreshesRejected(s.rejected()).setRollbacks(s.rolledBack());
        for (CalibrationSnapshot.TensorStats t : s.tensors()) {
            if (!onlyTensors.isEmpty() && !onlyTensors.contains(t.tensor())) {
                continue;
            }
            TensorHistogram w = t.window();
            TensorStatistics.Builder tb = TensorStatistics.newBuilder().setTensor(t.tensor()).setWindowCount(w.count())
                    .setNanCount(w.nanCount()).setInfCount(w.infCount()).setSinceRefreshCount(t.sinceRefresh().count());
            if (!w.isEmpty()) {
                tb.setMin(w.min()).setMax(w.max());
            }
            if (!Double.isNaN(t.clipRate())) {
                tb.setClipRate(t.clipRate());
            }
            if (!Double.isNaN(t.drift())) {
                tb.setDrift(t.drift());
            }
            if (t.active() != null) {
                tb.setActive(range(t.active()));
            }
            t.candidates().forEach((m, r) -> tb.putCandidates(m, range(r)));
            addDisplayBins(tb, w);
            if (histograms) {
                tb.setWindowHistogram(com.google.protobuf.ByteString.copyFrom(w.toBytes()))
                        .setSinceRefreshHistogram(com.google.protobuf.ByteString.copyFrom(t.sinceRefresh().toBytes()));
            }
            b.addTensors(tb);
        }
        for (CalibrationSnapshot.HistoryEntry h : s.history()) {
            b.addHistory(HistoryEntry.newBuilder().setVersion(h.version()).setSource(h.source())
                    .setInstalledAtMs(h.installedAtMillis()));
        }
        for (io.tare.server.calibration.CalibrationEvent e : s.events()) {
            b.addEvents(CalibrationEvent.newBuilder().setTimeMs(e.timeMillis())
                    .setKind(e.kind().name().toLowerCase(Locale.ROOT)).setVersion(e.version()).setDetail(e.detail()));
        }
        return b.build();
    }

    /** Bins shown on the page. */
    static final int DISPLAY_BINS = 64;

    private static void addDisplayBins(TensorStatistics.Builder tb, TensorHistogram w) {
        if (w.isEmpty()) {
            return;
        }
        double lo = w.min();
        double hi = w.max();
        int n = hi > lo ? DISPLAY_BINS : 1;
        double width = (hi - lo) / n;
        long[] counts = new long[n];
        var binning = w.binning();
        long[] fixed = w.counts();
        for (int i = 0; i < fixed.length; i++) {
            if (fixed[i] == 0) {
                continue;
            }
            double mid = Math.clamp((Math.max(binning.lowerEdge(i), lo) + Math.min(binning.upperEdge(i), hi)) / 2, lo, hi);
            int k = n == 1 ? 0 : (int) Math.min(n - 1, Math.floor((mid - lo) / width));
            counts[k] += fixed[i];
        }
        for (int k = 0; k < n; k++) {
            tb.addDisplayBins(io.tare.proto.calibration.DisplayBin.newBuilder().setLow(lo + k * width)
                    .setHigh(n == 1 ? hi : lo + (k + 1) * width).setCount(counts[k]));
        }
    }

    public static Range range(io.tare.server.engine.quant.ScaleTable.Range r) {
        return Range.newBuilder().setScale(r.scale()).setZeroPoint(r.zeroPoint())
                .setLow((double) r.scale() * (0 - r.zeroPoint())).setHigh((double) r.scale() * (255 - r.zeroPoint()))
                .build();
    }

    public static ScaleTable table(String model, io.tare.server.engine.quant.ScaleTable t) {
        ScaleTable.Builder b = ScaleTable.newBuilder().setModelName(model).setVersion(t == null ? -1 : t.version());
        if (t != null) {
            t.entries().forEach((k, v) -> b.putEntries(k, range(v)));
        }
        return b.build();
    }

    /** @throws TareException INVALID_ARG for a scale that is not positive or a zero point outside 0..255 */
    public static Map<String, io.tare.server.engine.quant.ScaleTable.Range> entries(Map<String, Range> wire) {
        Map<String, io.tare.server.engine.quant.ScaleTable.Range> out = new LinkedHashMap<>();
        for (var e : wire.entrySet()) {
            try {
                out.put(e.getKey(), new io.tare.server.engine.quant.ScaleTable.Range(e.getValue().getScale(),
                        e.getValue().getZeroPoint()));
            } catch (IllegalArgumentException bad) {
                throw TareException.invalid("entry '" + e.getKey() + "': " + bad.getMessage());
            }
            if (!Float.isFinite(e.getValue().getScale())) {
                throw TareException.invalid("entry '" + e.getKey() + "': scale must be finite");
            }
        }
        return out;
    }
}
