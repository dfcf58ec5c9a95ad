package io.tare.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code stats [--model M]}: the server's per-model statistics (counts, cumulative durations) as JSON. */
final class StatsCommand implements Command {
    @Override
    public String usage() {
        return "stats [--model M] [--url host:port]   (gRPC only)";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.add("model");
        CliArgs args = CliArgs.parse(argv, values, Endpoint.FLAG_OPTIONS);
        if (Endpoint.usesHttp(args)) {
            throw new UsageException("stats is implemented over gRPC only; drop --http");
        }
        try (Endpoint endpoint = Endpoint.open(args)) {
            out.println(JsonFormat.printer().preservingProtoFieldNames()
                    .print(endpoint.grpc().modelStatistics(args.get("model", ""))));
            return 0;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print statistics", e);
        }
    }
}
