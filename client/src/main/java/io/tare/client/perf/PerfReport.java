package io.tare.client.perf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.List;
import java.util.Locale;

/**
 * Renders perf results: an aligned table for people, CSV (one row per load level) for spreadsheets and
 * plots, JSON for scripts. All latencies in microseconds.
 */
public final class PerfReport {
    /** The CSV header; {@link #csv} writes rows in this column order. */
    public static final String CSV_HEADER = "concurrency,request_rate,batch,requests,errors,duration_s,"
            + "throughput_infer_per_s,requests_per_s,p50_us,p90_us,p95_us,p99_us,avg_us,min_us,max_us";

    private PerfReport() {
    }

    public static String table(List<PerfResult> results) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%-16s %10s %8s %14s %12s %10s %10s %10s %10s %10s%n", "load", "requests", "errors",
                "infer/s", "req/s", "p50 us", "p90 us", "p95 us", "p99 us", "avg us"));
        for (PerfResult r : results) {
            LatencySummary l = r.latency();
            String load = r.level().isClosedLoop()
                    ? "concurrency " + r.level().concurrency()
                    : String.format(Locale.ROOT, "rate %.0f/s", r.level().requestRate());
            out.append(String.format(Locale.ROOT, "%-16s %10d %8d %14.1f %12.1f %10.0f %10.0f %10.0f %10.0f %10.0f%n",
                    load, r.completed(), r.errors(), r.inferencesPerSecond(), r.requestsPerSecond(),
                    l.p50Us(), l.p90Us(), l.p95Us(), l.p99Us(), l.avgUs()));
        }
        return out.toString();
    }

    public static String csv(List<PerfResult> results) {
        StringBuilder out = new StringBuilder(CSV_HEADER).append('\n');
        for (PerfResult r : results) {
            LatencySummary l = r.latency();
            out.append(String.format(Locale.ROOT, "%d,%s,%d,%d,%d,%.3f,%.2f,%.2f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f%n",
                    r.level().concurrency(),
                    r.level().isClosedLoop() ? "" : String.format(Locale.ROOT, "%.2f", r.level().requestRate()),
                    r.batch(), r.completed(), r.errors(), r.measureSeconds(), r.inferencesPerSecond(),
                    r.requestsPerSecond(), l.p50Us(), l.p90Us(), l.p95Us(), l.p99Us(), l.avgUs(), l.minUs(), l.maxUs()));
        }
        return out.toString();
    }

    public static String json(List<PerfResult> results) {
        JsonArray array = new JsonArray();
        for (PerfResult r : results) {
            JsonObject row = new JsonObject();
            if (r.level().isClosedLoop()) {
                row.addProperty("concurrency", r.level().concurrency());
            } else {
                row.addProperty("request_rate", r.level().requestRate());
            }
            row.addProperty("batch", r.batch());
            row.addProperty("requests", r.completed());
            row.addProperty("errors", r.errors());
            if (!r.firstError().isEmpty()) {
                row.addProperty("first_error", r.firstError());
            }
            row.addProperty("duration_s", r.measureSeconds());
            row.addProperty("throughput_infer_per_s", r.inferencesPerSecond());
            row.addProperty("requests_per_s", r.requestsPerSecond());
            LatencySummary l = r.latency();
            row.addProperty("p50_us", l.p50Us());
            row.addProperty("p90_us", l.p90Us());
            row.addProperty("p95_us", l.p95Us());
            row.addProperty("p99_us", l.p99Us());
            row.addProperty("avg_us", l.avgUs());
            row.addProperty("min_us", l.minUs());
            row.addProperty("max_us", l.maxUs());
            array.add(row);
        }
        return new GsonBuilder().setPrettyPrinting().create().toJson(array) + "\n";
    }
}
