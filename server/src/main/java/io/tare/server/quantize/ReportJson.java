package io.tare.server.quantize;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/** Writes a {@link QuantizationReport} as JSON (numbers that are not finite become null). */
final class ReportJson {

    private ReportJson() {
    }

    static String write(QuantizationReport r) {
        StringWriter text = new StringWriter();
        try (JsonWriter j = new ReportJsonWriter(text)) {
            write(j, r);
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return text.toString();
    }

    private static void write(JsonWriter j, QuantizationReport r) throws IOException {
        j.beginObject();
        j.name("model").value(r.model()).name("output").value(r.output());
        j.name("settings").beginObject();
        for (Map.Entry<String, String> e : r.settings().entrySet()) {
            j.name(e.getKey()).value(e.getValue());
        }
        j.endObject();
        j.name("calibration").beginObject().name("samples").value(r.calibrationSamples()).name("seconds").value(r.calibrationSeconds())
                .endObject();
        j.name("transforms").beginArray();
        for (String t : r.transforms()) {
            j.value(t);
        }
        j.endArray();
        j.name("evaluation").beginObject().name("data").value(r.evaluation().data()).name("samples").value(r.evaluation().samples())
                .name("fp32_accuracy").value(r.evaluation().fp32Accuracy());
        j.name("quantized");
        score(j, r.evaluation().score());
        if (r.evaluation().engine() != null) {
            j.name("tare_engine");
            engine(j, r.evaluation().engine());
        }
        if (r.evaluation().engineStatic() != null) {
            j.name("tare_engine_static_mode");
            engine(j, r.evaluation().engineStatic());
        }
        j.endObject();
        j.name("layers").beginArray();
        for (QuantizationReport.Layer l : r.layers()) {
            j.beginObject().name("name").value(l.name()).name("op").value(l.opType()).name("activation").value(l.activation())
                    .name("precision").value(l.precision()).name("weight_sqnr_db").value(l.weightSqnrDb());
            j.name("weight_shape").beginArray();
            for (long d : l.weightDims()) {
                j.value(d);
            }
            j.endArray();
            if (l.sensitivity() != null) {
                j.name("sensitivity");
                score(j, l.sensitivity());
            }
            j.endObject();
        }
        j.endArray();
        j.name("activations").beginArray();
        for (QuantizationReport.Activation a : r.activations()) {
            j.beginObject().name("name").value(a.name()).name("min").value(a.min()).name("max").value(a.max()).name("count").value(a.count())
                    .name("clip_lo").value(a.range().lo()).name("clip_hi").value(a.range().hi()).name("scale").value(a.params().scale())
                    .name("zero_point").value(a.params().zeroPoint()).name("clip_rate").value(a.clipRate()).name("sqnr_db").value(a.sqnrDb())
                    .name("quantized").value(a.quantized());
            j.name("candidates").beginObject();
            for (Map.Entry<String, QuantizationReport.Candidate> c : a.candidates().entrySet()) {
                j.name(c.getKey()).beginObject().name("clip_lo").value(c.getValue().range().lo())
                        .name("clip_hi").value(c.getValue().range().hi()).name("sqnr_db").value(c.getValue().sqnrDb()).endObject();
            }
            j.endObject();
            j.endObject();
        }
        j.endArray();
        if (r.mixedPrecision() != null) {
            MixedPrecisionSearch.Result m = r.mixedPrecision();
            j.name("mixed_precision").beginObject().name("accuracy_budget").value(m.accuracyBudget())
                    .name("sqnr_target_db").value(m.sqnrTarget()).name("met").value(m.met());
            j.name("fp32_layers").beginArray();
            for (String l : m.fp32Layers()) {
                j.value(l);
            }
            j.endArray();
            j.name("steps").beginArray();
            for (MixedPrecisionSearch.Step s : m.steps()) {
                j.beginObject();
                j.name("fp32_layers").beginArray();
                for (String l : s.fp32Layers()) {
                    j.value(l);
                }
                j.endArray();
                j.name("meets").value(s.meets()).name("score");
                score(j, s.score());
                j.endObject();
            }
            j.endArray();
            j.endObject();
        }
        j.name("methods").beginArray();
        for (QuantizationReport.MethodScore m : r.methods()) {
            j.beginObject().name("method").value(m.method()).name("per_channel").value(m.perChannel()).name("score");
            score(j, m.score());
            if (m.engine() != null) {
                j.name("tare_engine");
                engine(j, m.engine());
            }
            j.endObject();
        }
        j.endArray();
        j.name("trt_cache_entries").value(r.trtCacheEntries());
        j.name("smoothing").beginArray();
        for (QuantizationReport.Smoothing sm : r.smoothing()) {
            j.beginObject().name("activation").value(sm.activation()).name("folded").value(sm.folded()).name("alpha").value(sm.alpha())
                    .name("channel_spread_before").value(sm.spreadBefore()).name("channel_spread_after").value(sm.spreadAfter())
                    .name("sqnr_before_db").value(sm.sqnrBeforeDb()).name("sqnr_after_db").value(sm.sqnrAfterDb());
            j.name("layers").beginArray();
            for (String l : sm.layers()) {
                j.value(l);
            }
            j.endArray().endObject();
        }
        j.endArray();
        if (r.nonUniform() != null) {
            QuantizationReport.NonUniform n = r.nonUniform();
            j.name("non_uniform").beginObject().name("levels").value(n.levels());
            j.name("kmeans");
            score(j, n.kmeans());
            j.name("uniform_per_tensor");
            score(j, n.uniformPerTensor());
            j.name("uniform_per_channel");
            score(j, n.uniformPerChannel());
            j.name("layers").beginArray();
            for (NonUniformWeights.LayerComparison c : n.layers()) {
                j.beginObject().name("layer").value(c.layer()).name("kmeans_sqnr_db").value(c.kmeansSqnrDb())
                        .name("uniform_per_tensor_sqnr_db").value(c.uniformPerTensorSqnrDb())
                        .name("uniform_per_channel_sqnr_db").value(c.uniformPerChannelSqnrDb()).endObject();
            }
            j.endArray().endObject();
        }
        j.endObject();
    }

    private static void engine(JsonWriter j, EngineCheck e) throws IOException {
        j.beginObject().name("agreement_with_onnxruntime").value(e.agreementWithOrt()).name("score");
        score(j, e.score());
        j.endObject();
    }

    private static void score(JsonWriter j, ModelScore s) throws IOException {
        OutputComparison c = s.comparison();
        j.beginObject().name("accuracy").value(s.accuracy()).name("sqnr_db").value(c.sqnrDb()).name("relative_error").value(c.relativeError())
                .name("mean_cosine").value(c.meanCosine()).name("min_cosine").value(c.minCosine())
                .name("top1_agreement").value(c.top1Agreement()).endObject();
    }
}
