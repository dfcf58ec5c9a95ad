package io.tare.server.quantize;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * Gson's streaming JSON writer with the report's number rules: a number that is not finite is
 * written as {@code null} (JSON has no NaN; an unmeasured SQNR is NaN), and an integral value
 * without a fraction ({@code 512}, not {@code 512.0}).
 */
final class ReportJsonWriter extends JsonWriter {

    ReportJsonWriter(Writer out) {
        super(out);
    }

    @Override
    public JsonWriter value(double d) throws IOException {
        if (!Double.isFinite(d)) {
            return nullValue();
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return value((long) d);
        }
        return super.value(d);
    }

    @Override
    public JsonWriter value(float f) throws IOException {
        return value((double) f);
    }
}
