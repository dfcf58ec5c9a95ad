package io.tare.server.quantize;

import java.util.Map;

/** Writes a {@link QuantizationReport} as JSON (numbers that are not finite become null). */
final class ReportJson {

    private ReportJson() {
    }

    static String write(QuantizationReport r) {
        JsonWriter j = new JsonWriter().beginObject();
        j.field("model", r.model()).field("output", r.output());
        j.name("settings").beginObject();
        r.settings().forEach(j::field);
        j.endObject();
        j.name("calibration").beginObject().field("samples", r.calibrationSamples()).field("seconds", r.calibrationSeconds())
                .endObject();
        j.name("transforms").beginArray();
        r.transforms().forEach(j::string);
        j.endArray();
        j.name("evaluation").beginObject().field("data", r.evaluation().data()).field("samples", r.evaluation().samples())
                .field("fp32_accuracy", r.evaluation().fp32Accuracy());
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
            j.beginObject().field("name", l.name()).field("op", l.opType()).field("activation", l.activation())
                    .field("precision", l.precision()).field("weight_sqnr_db", l.weightSqnrDb());
            j.name("weight_shape").beginArray();
            for (long d : l.weightDims()) {
                j.number(d);
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
            j.beginObject().field("name", a.name()).field("min", a.min()).field("max", a.max()).field("count", a.count())
                    .field("clip_lo", a.range().lo()).field("clip_hi", a.range().hi()).field("scale", a.params().scale())
                    .field("zero_point", a.params().zeroPoint()).field("clip_rate", a.clipRate()).field("sqnr_db", a.sqnrDb())
                    .field("quantized", a.quantized());
            j.name("candidates").beginObject();
            for (Map.Entry<String, QuantizationReport.Candidate> c : a.candidates().entrySet()) {
                j.name(c.getKey()).beginObject().field("clip_lo", c.getValue().range().lo())
                        .field("clip_hi", c.getValue().range().hi()).field("sqnr_db", c.getValue().sqnrDb()).endObject();
            }
            j.endObject();
            j.endObject();
        }
        j.endArray();
        if (r.mixedPrecision() != null) {
            MixedPrecisionSearch.Result m = r.mixedPrecision();
            j.name("mixed_precision").beginObject().field("accuracy_budget", m.accuracyBudget())
                    .field("sqnr_target_db", m.sqnrTarget()).field("met", m.met());
            j.name("fp32_layers").beginArray();
            m.fp32Layers().forEach(j::string);
            j.endArray();
            j.name("steps").beginArray();
            for (MixedPrecisionSearch.Step s : m.steps()) {
                j.beginObject();
                j.name("fp32_layers").beginArray();
                s.fp32Layers().forEach(j::string);
                j.endArray();
                j.field("meets", s.meets()).name("score");
                score(j, s.score());
                j.endObject();
            }
            j.endArray();
            j.endObject();
        }
        j.name("methods").beginArray();
        for (QuantizationReport.MethodScore m : r.methods()) {
            j.beginObject().field("method", m.method()).field("per_channel", m.perChannel()).name("score");
            score(j, m.score());
            if (m.engine() != null) {
                j.name("tare_engine");
                engine(j, m.engine());
            }
            j.endObject();
        }
        j.endArray();
        j.field("trt_cache_entries", r.trtCacheEntries());
        if (r.nonUniform() != null) {
            QuantizationReport.NonUniform n = r.nonUniform();
            j.name("non_uniform").beginObject().field("levels", n.levels());
            j.name("kmeans");
            score(j, n.kmeans());
            j.name("uniform_per_tensor");
            score(j, n.uniformPerTensor());
            j.name("uniform_per_channel");
            score(j, n.uniformPerChannel());
            j.name("layers").beginArray();
            for (NonUniformWeights.LayerComparison c : n.layers()) {
                j.beginObject().field("layer", c.layer()).field("kmeans_sqnr_db", c.kmeansSqnrDb())
                        .field("uniform_per_tensor_sqnr_db", c.uniformPerTensorSqnrDb())
                        .field("uniform_per_channel_sqnr_db", c.uniformPerChannelSqnrDb()).endObject();
            }
            j.endArray().endObject();
        }
        return j.endObject().toString();
    }

    private static void engine(JsonWriter j, EngineCheck e) {
        j.beginObject().field("agreement_with_onnxruntime", e.agreementWithOrt()).name("score");
        score(j, e.score());
        j.endObject();
    }

    private static void score(JsonWriter j, ModelScore s) {
        OutputComparison c = s.comparison();
        j.beginObject().field("accuracy", s.accuracy()).field("sqnr_db", c.sqnrDb()).field("relative_error", c.relativeError())
                .field("mean_cosine", c.meanCosine()).field("min_cosine", c.minCosine())
                .field("top1_agreement", c.top1Agreement()).endObject();
    }
}
