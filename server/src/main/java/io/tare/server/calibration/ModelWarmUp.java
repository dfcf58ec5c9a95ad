package io.tare.server.calibration;

import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.ValueInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a model on zeros (dynamic dimensions as 1) until the JIT has compiled its code paths. The
 * calibration guard's float reference runs nowhere else, so without this its first runs are
 * interpreted: on the Fashion-MNIST CNN the first run takes ~400 ms, the tenth ~10 ms and the
 * hundredth ~1 ms, which delayed the first refresh of stale scales by seconds, i.e. by thousands
 * of requests. Done at load, before the model is ready, like Triton's {@code model_warmup}.
 */
final class ModelWarmUp {
    private static final Logger LOG = Logger.getLogger(ModelWarmUp.class.getName());

    private ModelWarmUp() {
    }

    /**
     * Runs {@code model} up to {@code runs} times, stopping after {@code budgetNanos}. A model whose
     * inputs cannot be made from zeros is left cold (logged): warming is an optimization.
     *
     * @return the runs done
     */
    static int warm(LoadedModel model, int runs, long budgetNanos) {
        Map<String, Tensor> zeros = new LinkedHashMap<>();
        for (ValueInfo input : model.inputs()) {
            int[] shape = new int[input.rank()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = input.dims()[d] > 0 ? (int) input.dims()[d] : 1;
            }
            zeros.put(input.name(), Tensor.allocate(input.type(), shape));
        }
        long end = System.nanoTime() + budgetNanos;
        int done = 0;
        try {
            while (done < runs && System.nanoTime() < end) {
                model.run(zeros);
                done++;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "warm-up stopped after " + done + " runs", e);
        }
        return done;
    }
}
