package io.tare.server.engine.ops;

import io.tare.server.engine.graph.Node;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operators the engine implements, by domain and name, each with the lowest opset version
 * it implements. An opset above {@link #MAX_DEFAULT_OPSET} is refused: its semantics may have
 * changed in ways this code does not know. Immutable once built; {@link #standard()} is shared.
 */
public final class OperatorRegistry {
    /** Highest ai.onnx opset whose operator semantics the engine implements. */
    public static final int MAX_DEFAULT_OPSET = 25;
    /** Lowest ai.onnx opset accepted (opset 10 introduced the quantized operators). */
    public static final int MIN_DEFAULT_OPSET = 10;

    /** A registered operator. */
    public record Entry(String domain, String opType, int sinceOpset, OperatorFactory factory) { }

    private final Map<String, Entry> entries = new HashMap<>();

    private static final OperatorRegistry STANDARD = buildStandard();

    /** The registry with every operator family of the engine. */
    public static OperatorRegistry standard() {
        return STANDARD;
    }

    private static OperatorRegistry buildStandard() {
        OperatorRegistry r = new OperatorRegistry();
        StandardOperators.registerAll(r);
        return r;
    }

    /** Adds an operator of the default domain. */
    public void register(String opType, int sinceOpset, OperatorFactory factory) {
        register(Node.DEFAULT_DOMAIN, opType, sinceOpset, factory);
    }

    public void register(String domain, String opType, int sinceOpset, OperatorFactory factory) {
        entries.put(key(domain, opType), new Entry(domain, opType, sinceOpset, factory));
    }

    /** The entry for an operator, or {@code null} when the engine has none. */
    public Entry find(String domain, String opType) {
        return entries.get(key(domain, opType));
    }

    /** Names of all operators, "domain:Op" for non-default domains, sorted. */
    public Set<String> operatorNames() {
        Set<String> names = new TreeSet<>();
        for (Entry e : entries.values()) {
            names.add(e.domain().isEmpty() ? e.opType() : e.domain() + ":" + e.opType());
        }
        return Collections.unmodifiableSet(names);
    }

    private static String key(String domain, String opType) {
        return Node.normalizeDomain(domain) + ":" + opType;
    }
}
