package io.tare.server.cli;

import io.tare.server.core.TareException;

/** Entry point of {@code ./tare}: dispatches to the subcommands. */
public final class TareMain {
    private static final String USAGE = """
            usage: tare <command> [flags]
              serve     serve a model repository over KServe v2 gRPC and HTTP
              eval      accuracy, latency and throughput of a model file on a data set
              quantize  FP32 ONNX + calibration data -> QDQ INT8 ONNX, TensorRT cache, JSON/HTML report
              bench     bench ort: the in-process ONNX Runtime baseline; bench kernels: kernel tiers vs ORT
                        bench model: the Tare engine vs ONNX Runtime on one model
            """ + "\n" + ModelBenchCommand.USAGE + "\n" + ServeCommand.USAGE + "\n" + EvalCommand.USAGE + "\n" + QuantizeCommand.USAGE + "\n"
            + OrtBaselineCommand.USAGE;

    private TareMain() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    private static int bench(String[] args) throws Exception {
        if (args.length < 2) {
            throw new Flags.UsageException("bench needs a target: ort");
        }
        return switch (args[1]) {
            case "ort" -> OrtBaselineCommand.run(args);
            case "model" -> ModelBenchCommand.run(args);
            default -> throw new Flags.UsageException("unknown bench target '" + args[1] + "'");
        };
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            System.out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            return switch (args[0]) {
                case "serve" -> ServeCommand.run(args);
                case "bench" -> bench(args);
                case "eval" -> EvalCommand.run(args);
                case "quantize" -> QuantizeCommand.run(args);
                default -> throw new Flags.UsageException("unknown command '" + args[0] + "'");
            };
        } catch (Flags.UsageException e) {
            System.err.println("tare: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        } catch (TareException e) {
            System.err.println("tare: " + e.getMessage());
            return 1;
        }
    }
}
