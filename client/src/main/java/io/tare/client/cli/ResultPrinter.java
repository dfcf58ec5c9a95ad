package io.tare.client.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import io.tare.client.InferResult;
import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.client.data.TensorData;
import io.tare.client.http.HttpInferCodec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints an inference result: a readable summary, or the KServe v2 JSON response with every element. */
final class ResultPrinter {
    /** Elements shown per output in the summary; the JSON form shows all. */
    static final int PREVIEW_ELEMENTS = 16;
    /** Rows whose argmax the summary lists, for classifier outputs. */
    static final int ARGMAX_ROWS = 32;

    private ResultPrinter() {
    }

    static void printJson(InferResult result, PrintStream out) {
        String json = new String(HttpInferCodec.encodeResponse(result, false).bytes(), StandardCharsets.UTF_8);
        out.println(new GsonBuilder().setPrettyPrinting().create().toJson(JsonParser.parseString(json)));
    }

    static void printSummary(InferResult result, PrintStream out) {
        out.println("model " + result.modelName()
                + (result.modelVersion().isEmpty() ? "" : " version " + result.modelVersion())
                + (result.id().isEmpty() ? "" : " id " + result.id()));
        result.parameters().forEach((name, value) -> out.println("  parameter " + name + " = " + value));
        for (String name : result.outputNames()) {
            TensorData tensor = result.output(name);
            out.println(name + " " + tensor.datatype() + " " + Shapes.format(tensor.shape()));
            if (tensor.datatype() == Datatype.BYTES) {
                out.println("  (" + tensor.byteSize() + " bytes)");
                continue;
            }
            out.println("  " + preview(tensor));
            if (tensor.rank() == 2 && tensor.shape()[1] > 1) {
                out.println("  argmax per row: " + argmaxPerRow(tensor));
            }
        }
    }

    private static String preview(TensorData tensor) {
        long count = tensor.elementCount();
        List<String> shown = new ArrayList<>();
        for (long i = 0; i < Math.min(count, PREVIEW_ELEMENTS); i++) {
            double value = tensor.doubleAt(i);
            shown.add(value == Math.rint(value) && Math.abs(value) < 1e15
                    ? Long.toString((long) value)
                    : String.format(Locale.ROOT, "%.6g", value));
        }
        return "[" + String.join(", ", shown) + (count > PREVIEW_ELEMENTS ? ", ... (" + count + " values)" : "") + "]";
    }

    private static String argmaxPerRow(TensorData tensor) {
        long rows = tensor.shape()[0];
        long columns = tensor.shape()[1];
        List<String> best = new ArrayList<>();
        for (long row = 0; row < Math.min(rows, ARGMAX_ROWS); row++) {
            long bestIndex = 0;
            for (long column = 1; column < columns; column++) {
                if (tensor.doubleAt(row * columns + column) > tensor.doubleAt(row * columns + bestIndex)) {
                    bestIndex = column;
                }
            }
            best.add(Long.toString(bestIndex));
        }
        return "[" + String.join(", ", best) + (rows > ARGMAX_ROWS ? ", ..." : "") + "]";
    }
}
