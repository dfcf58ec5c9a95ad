package io.tare.server.cli;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints a flat report as one JSON object or as aligned "key: value" lines. */
final class Json {
    private Json() {
    }

    static String object(Map<String, Object> fields) {
        return fields.entrySet().stream().map(e -> quote(e.getKey()) + ":" + value(e.getValue()))
                .collect(Collectors.joining(",", "{", "}"));
    }

    static String lines(Map<String, Object> fields) {
        return fields.entrySet().stream().map(e -> String.format(Locale.ROOT, "%-16s %s", e.getKey() + ":",
                e.getValue() instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    private static String value(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? (v instanceof Double || v instanceof Float ? String.format(Locale.ROOT, "%.6g", d)
                    : n.toString()) : "null";
        }
        if (v instanceof Boolean) {
            return v.toString();
        }
        return quote(String.valueOf(v));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
