package io.tare.server.e2e;

import io.tare.server.backend.Backend;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ModelInstance;
import io.tare.server.backend.ModelSource;
import io.tare.client.data.Datatype;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test backend ({@code backend: "test-gate"}): copies input {@code x} [-1,4] FP32 to output
 * {@code y}, but each execution first takes a permit from {@link #GATE}, so a test controls exactly
 * when the instance is busy and the queue fills. Used only where real compute times would make a
 * scheduling test timing-dependent.
 */
public final class GateBackend implements Backend {
    static final Semaphore GATE = new Semaphore(Integer.MAX_VALUE / 2);
    static final AtomicInteger EXECUTIONS = new AtomicInteger();

    @Override
    public String name() {
        return "test-gate";
    }

    @Override
    public boolean accepts(ModelSource source) {
        return false;
    }

    @Override
    public BackendModel load(ModelSource source) {
        ModelSignature signature = new ModelSignature(List.of(new TensorSpec("x", Datatype.FP32, new long[]{4})),
                List.of(new TensorSpec("y", Datatype.FP32, new long[]{4})), 8);
        return new BackendModel() {
            @Override
            public ModelSignature signature() {
                return signature;
            }

            @Override
            public String platform() {
                return "test-gate";
            }

            @Override
            public ModelInstance createInstance(int index) {
                return new ModelInstance() {
                    @Override
                    public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
                        GATE.acquireUninterruptibly();
                        EXECUTIONS.incrementAndGet();
                        TensorData x = inputs.getFirst();
                        java.nio.ByteBuffer copy = java.nio.ByteBuffer.allocate(x.byteSize()).put(x.data()).flip();
                        return List.of(new TensorData("y", Datatype.FP32, x.shape(), copy));
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public void close() {
            }
        };
    }
}
