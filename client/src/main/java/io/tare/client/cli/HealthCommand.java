package io.tare.client.cli;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code health [--model M]}: prints liveness and readiness; exit 0 only when everything asked is ready. */
final class HealthCommand implements Command {
    @Override
    public String usage() {
        return "health [--model M] [--url host:port] [--http] [--timeout S]";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.add("model");
        CliArgs args = CliArgs.parse(argv, values, Endpoint.FLAG_OPTIONS);
        try (Endpoint endpoint = Endpoint.open(args)) {
            boolean live = endpoint.live();
            boolean ready = endpoint.ready();
            out.println("server " + endpoint.address() + ": live=" + live + " ready=" + ready);
            boolean allReady = live && ready;
            if (args.has("model")) {
                String model = args.get("model", "");
                boolean modelReady = endpoint.modelReady(model);
                out.println("model " + model + ": ready=" + modelReady);
                allReady &= modelReady;
            }
            return allReady ? 0 : 1;
        }
    }
}
