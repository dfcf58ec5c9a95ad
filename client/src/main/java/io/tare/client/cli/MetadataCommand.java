package io.tare.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code metadata [--model M] [--config]}: the server's metadata, or a model's metadata (and with
 * {@code --config}, over gRPC, its configuration), printed as JSON.
 */
final class MetadataCommand implements Command {
    @Override
    public String usage() {
        return "metadata [--model M [--config]] [--url host:port] [--http]";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.add("model");
        Set<String> flags = new HashSet<>(Endpoint.FLAG_OPTIONS);
        flags.add("config");
        CliArgs args = CliArgs.parse(argv, values, flags);
        if (args.flag("config") && !args.has("model")) {
            throw new UsageException("--config needs --model");
        }
        try (Endpoint endpoint = Endpoint.open(args)) {
            if (args.flag("config") && endpoint.isHttp()) {
                throw new UsageException("--config is served over gRPC only; drop --http");
            }
            if (!args.has("model")) {
                out.println(json(endpoint.serverMetadata()));
            } else if (args.flag("config")) {
                out.println(json(endpoint.grpc().modelConfig(args.required("model"))));
            } else {
                out.println(json(endpoint.modelMetadata(args.required("model"))));
            }
            return 0;
        }
    }

    private static String json(Message message) {
        try {
            return JsonFormat.printer().preservingProtoFieldNames().print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getDescriptorForType().getName(), e);
        }
    }
}
