package io.tare.server.quantize;

import io.tare.kernels.calibration.HistogramBinning;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TypeProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Calibration's data pass: runs the FP32 model through ONNX Runtime with every float activation
 * added as an extra graph output (exact FP32 values, unlike a tap inside an already quantized
 * run), and folds each batch into per-tensor {@link TensorHistogram}s and, for the inputs of the
 * quantizable layers, {@link ChannelStats}.
 *
 * <p>Memory: one batch of inputs and outputs plus a fixed histogram (96 KiB at the default
 * binning) per activation; the data file is streamed, so the number of samples does not matter.
 */
public final class ActivationRecorder {

    public static final int DEFAULT_BATCH = 64;

    private ActivationRecorder() {
    }

    /**
     * @param maxSamples stop after this many samples (the whole set when larger)
     * @throws QuantizeException on bad data (see {@link SampleFile}) or a model ORT refuses
     */
    public static Calibration record(ModelProto model, List<QuantizableLayer> layers, SampleSet data, int batchSize,
                                     long maxSamples, int threads, ProgressBar progress) {
        long start = System.nanoTime();
        GraphProto g = model.getGraph();
        Set<String> tensors = FloatTensors.of(g);
        Map<String, TensorHistogram> histograms = new LinkedHashMap<>();
        for (String t : tensors) {
            histograms.put(t, new TensorHistogram(HistogramBinning.DEFAULT));
        }
        Map<String, ChannelStats> channels = new LinkedHashMap<>();
        Map<String, Boolean> lastAxis = new LinkedHashMap<>();
        for (QuantizableLayer l : layers) {
            if (l.inputChannels() > 0 && !channels.containsKey(l.activation())) {
                channels.put(l.activation(), new ChannelStats(l.inputChannels()));
                lastAxis.put(l.activation(), l.isMatrixProduct());
            }
        }
        Set<String> fetched = new LinkedHashSet<>(tensors);
        fetched.removeAll(data.inputs().names());
        byte[] probe = withOutputs(model, fetched).toByteArray();
        int batch = Math.min(batchSize, data.inputs().maxBatch());
        long total = Math.min(maxSamples, data.sampleCount());
        data.rewind();
        long done = 0;
        progress.start(total);
        try (OrtModelRunner runner = new OrtModelRunner(probe, threads, "the FP32 model")) {
            while (done < total) {
                SampleSet.Batch b = data.read((int) Math.min(batch, total - done));
                if (b.samples() == 0) {
                    break;
                }
                for (SampleSet.InputBatch in : b.inputs().values()) {
                    if (histograms.containsKey(in.input().name())) {
                        float[] x = in.floats();
                        observe(in.input().name(), x, x.length, in.shape(), histograms, channels, lastAxis);
                    }
                }
                for (Map.Entry<String, OrtModelRunner.Output> e : runner.run(b, fetched).entrySet()) {
                    OrtModelRunner.Output o = e.getValue();
                    observe(e.getKey(), o.data(), o.length(), o.shape(), histograms, channels, lastAxis);
                }
                done += b.samples();
                progress.update(done);
            }
        }
        progress.finish();
        for (Map.Entry<String, TensorHistogram> e : histograms.entrySet()) {
            TensorHistogram h = e.getValue();
            if (h.nanCount() + h.infCount() > 0) {
                throw new QuantizeException("the FP32 model produces non-finite values in '" + e.getKey() + "' ("
                        + h.nanCount() + " NaN, " + h.infCount() + " Inf) on the calibration data");
            }
        }
        return new Calibration(histograms, channels, done, (System.nanoTime() - start) / 1e9);
    }

    private static void observe(String name, float[] data, int len, long[] shape, Map<String, TensorHistogram> histograms,
                                Map<String, ChannelStats> channels, Map<String, Boolean> lastAxis) {
        TensorHistogram h = histograms.get(name);
        if (h != null) {
            h.add(data, 0, len);
        }
        ChannelStats c = channels.get(name);
        if (c != null) {
            c.add(data, len, shape, lastAxis.get(name));
        }
    }

    /** The model with {@code names} appended to its outputs (those not already there). */
    static ModelProto withOutputs(ModelProto model, Set<String> names) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        Set<String> present = new HashSet<>();
        for (ValueInfoProto v : g.getOutputList()) {
            present.add(v.getName());
        }
        TypeProto floatType = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)).build();
        for (String n : names) {
            if (present.add(n)) {
                g.addOutput(ValueInfoProto.newBuilder().setName(n).setType(floatType));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }
}
