package io.tare.server.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time spent in each step of an {@link ExecutionPlan}, summed over the runs it was passed to
 * ({@link ExecutionPlan#run(ExecutionState, Map, StepProfile)}): where a model's time goes, by node
 * and by operator. Profiled runs read the clock twice per step; unprofiled runs do not read it at
 * all. Not thread-safe: one profile per session.
 */
public final class StepProfile {
    /** One node's share, or (with an empty node name) one operator type's over all its nodes. */
    public record Entry(String node, String opType, int steps, double millisPerRun, double share) { }

    private final String[] nodes;
    private final String[] opTypes;
    private final long[] nanos;
    private int runs;

    StepProfile(String[] nodes, String[] opTypes) {
        this.nodes = nodes;
        this.opTypes = opTypes;
        this.nanos = new long[nodes.length];
    }

    void add(int step, long elapsedNanos) {
        nanos[step] += elapsedNanos;
    }

    void endRun() {
        runs++;
    }

    public int runs() {
        return runs;
    }

    /** Mean milliseconds per run of all steps together (the plan's own bookkeeping excluded). */
    public double millisPerRun() {
        long total = 0;
        for (long n : nanos) {
            total += n;
        }
        return perRun(total);
    }

    /** The steps, most expensive first. */
    public List<Entry> byNode() {
        double total = millisPerRun();
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            double ms = perRun(nanos[i]);
            out.add(new Entry(nodes[i], opTypes[i], 1, ms, total > 0 ? ms / total : 0));
        }
        out.sort(Comparator.comparingDouble(Entry::millisPerRun).reversed());
        return out;
    }

    /** The operator types (fused ones under their own names), most expensive first. */
    public List<Entry> byOpType() {
        Map<String, long[]> sums = new LinkedHashMap<>();
        for (int i = 0; i < nodes.length; i++) {
            long[] s = sums.computeIfAbsent(opTypes[i], k -> new long[2]);
            s[0] += nanos[i];
            s[1]++;
        }
        double total = millisPerRun();
        List<Entry> out = new ArrayList<>();
        sums.forEach((op, s) -> out.add(new Entry("", op, (int) s[1], perRun(s[0]),
                total > 0 ? perRun(s[0]) / total : 0)));
        out.sort(Comparator.comparingDouble(Entry::millisPerRun).reversed());
        return out;
    }

    private double perRun(long totalNanos) {
        return runs == 0 ? 0 : totalNanos / 1e6 / runs;
    }
}
