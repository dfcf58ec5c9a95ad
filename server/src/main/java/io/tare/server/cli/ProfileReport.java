package io.tare.server.cli;

import io.tare.server.engine.StepProfile;
import java.util.List;
import java.util.Locale;

/** Prints a {@link StepProfile}: operator types, then the most expensive nodes. */
final class ProfileReport {
    /** Nodes listed in the text report (the operator table covers all of them). */
    private static final int TOP_NODES = 15;

    private ProfileReport() {
    }

    static void print(StepProfile profile) {
        System.out.printf(Locale.ROOT, "  profile: %d runs, %.3f ms per run in the plan's steps%n", profile.runs(),
                profile.millisPerRun());
        System.out.printf(Locale.ROOT, "  %-40s %6s %12s %7s%n", "operator", "nodes", "ms/run", "share");
        for (StepProfile.Entry e : profile.byOpType()) {
            System.out.printf(Locale.ROOT, "  %-40s %6d %12.4f %6.1f%%%n", e.opType(), e.steps(), e.millisPerRun(),
                    100 * e.share());
        }
        List<StepProfile.Entry> nodes = profile.byNode();
        System.out.printf(Locale.ROOT, "  %-72s %12s %7s%n", "node (top " + Math.min(TOP_NODES, nodes.size()) + ")",
                "ms/run", "share");
        for (StepProfile.Entry e : nodes.subList(0, Math.min(TOP_NODES, nodes.size()))) {
            System.out.printf(Locale.ROOT, "  %-72s %12.4f %6.1f%%%n", e.node(), e.millisPerRun(), 100 * e.share());
        }
    }

    /** The operator table as a JSON array. */
    static String json(StepProfile profile) {
        StringBuilder sb = new StringBuilder("[");
        List<StepProfile.Entry> ops = profile.byOpType();
        for (int i = 0; i < ops.size(); i++) {
            StepProfile.Entry e = ops.get(i);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"op\":\"%s\",\"nodes\":%d,\"ms_per_run\":%.4f,\"share\":%.4f}",
                    e.opType().replace("\"", "\\\""), e.steps(), e.millisPerRun(), e.share()));
        }
        return sb.append("]").toString();
    }
}
