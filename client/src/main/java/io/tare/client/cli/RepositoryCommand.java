package io.tare.client.cli;

import io.tare.proto.inference.RepositoryIndexResponse;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code repository index | load --model M | unload --model M}: the model repository extension. Load and
 * unload need a server in explicit model-control mode, and its admin token when it has one
 * ({@code --token-file}).
 */
final class RepositoryCommand implements Command {
    @Override
    public String usage() {
        return "repository (index | load --model M | unload --model M) [--token-file F] [--url host:port] [--http]";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        if (argv.isEmpty() || argv.getFirst().startsWith("--")) {
            throw new UsageException("repository needs an action: index, load or unload");
        }
        String action = argv.getFirst();
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.add("model");
        CliArgs args = CliArgs.parse(argv.subList(1, argv.size()), values, Endpoint.FLAG_OPTIONS);
        switch (action) {
            case "index" -> {
                if (Endpoint.usesHttp(args)) {
                    throw new UsageException("repository index is implemented over gRPC only; drop --http");
                }
                try (Endpoint endpoint = Endpoint.open(args)) {
                    for (RepositoryIndexResponse.ModelIndex model : endpoint.grpc().repositoryIndex()) {
                        out.println(model.getName() + "\t" + (model.getVersion().isEmpty() ? "-" : model.getVersion())
                                + "\t" + model.getState() + (model.getReason().isEmpty() ? "" : "\t" + model.getReason()));
                    }
                }
            }
            case "load", "unload" -> {
                String model = args.required("model");
                try (Endpoint endpoint = Endpoint.open(args)) {
                    if (action.equals("load")) {
                        endpoint.loadModel(model);
                    } else {
                        endpoint.unloadModel(model);
                    }
                    out.println(action + "ed " + model);
                }
            }
            default -> throw new UsageException("unknown repository action '" + action + "' (index, load, unload)");
        }
        return 0;
    }
}
