package io.tare.server.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tare.client.data.Datatype;
import io.tare.server.backend.ModelInstance;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.InferenceResponse;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The idle spin of {@link DynamicBatchScheduler}: a spinning instance must never leave a request
 * waiting that a parked instance could run, and an idle model's threads must end up parked.
 */
class IdleSpinTest {
    private static final ModelSignature SIGNATURE = new ModelSignature(
            List.of(new TensorSpec("x", Datatype.FP32, new long[]{1})),
            List.of(new TensorSpec("x", Datatype.FP32, new long[]{1})), 0);

    /** Echoes its input; a request whose value is negative blocks until the current gate opens. */
    private static final class Blocking implements ModelInstance {
        final AtomicReference<CountDownLatch> gate;

        Blocking(AtomicReference<CountDownLatch> gate) {
            this.gate = gate;
        }

        @Override
        public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
            if (inputs.getFirst().data().order(ByteOrder.LITTLE_ENDIAN).getFloat(0) < 0) {
                try {
                    gate.get().await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inputs;
        }

        @Override
        public void close() {
        }
    }

    private static List<ModelInstance> two(AtomicReference<CountDownLatch> gate) {
        return List.of(new Blocking(gate), new Blocking(gate));
    }

    private static InferenceRequest request(float value) {
        ByteBuffer data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
        return new InferenceRequest("spin", "1", "", List.of(new TensorData("x", Datatype.FP32, new long[]{1}, data)),
                List.of(), Map.of(), 0);
    }

    private static DynamicBatchScheduler scheduler(String name, long spinNanos, List<ModelInstance> instances) {
        SchedulerOptions options = new SchedulerOptions(0, List.of(), 0, 16, instances.size(), spinNanos);
        return new DynamicBatchScheduler(name, "1", SIGNATURE, options, instances,
                new ModelStats(name, "1", new SimpleMeterRegistry()), index -> { });
    }

    @Test
    void requestsArrivingWhileOneInstanceSpinsStillReachTheParkedOne() throws Exception {
        AtomicReference<CountDownLatch> gate = new AtomicReference<>();
        // A spin far longer than the test: once an instance spins, it spins until a request comes.
        try (DynamicBatchScheduler s = scheduler("spin-a", TimeUnit.SECONDS.toNanos(60), two(gate))) {
            for (int round = 0; round < 50; round++) {
                // A burst leaves requests queued behind a batch, the load after which an instance spins.
                List<CompletableFuture<InferenceResponse>> burst = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    burst.add(s.submit(request(i), 1));
                }
                for (CompletableFuture<InferenceResponse> f : burst) {
                    f.get(20, TimeUnit.SECONDS);
                }
                CountDownLatch held = new CountDownLatch(1);
                gate.set(held);
                CompletableFuture<InferenceResponse> blocked = s.submit(request(-1), 1);
                CompletableFuture<InferenceResponse> free = s.submit(request(round), 1);
                // The model does not batch, so the second request needs the other instance; it must
                // run while the first is held, whichever instance was spinning when both arrived.
                assertEquals(round, free.get(20, TimeUnit.SECONDS).outputs().getFirst().data()
                        .order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
                assertFalse(blocked.isDone());
                held.countDown();
                blocked.get(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void manySubmittersAllComplete() throws Exception {
        List<ModelInstance> instances = two(new AtomicReference<>(new CountDownLatch(0)));
        try (DynamicBatchScheduler s = scheduler("spin-b", SchedulerOptions.DEFAULT_IDLE_SPIN_NANOS, instances)) {
            List<CompletableFuture<InferenceResponse>> all = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                all.add(s.submit(request(i), 1));
                if (i % 7 == 0) {
                    Thread.onSpinWait();
                }
                if (all.size() >= 12) {
                    all.removeFirst().get(20, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<InferenceResponse> f : all) {
                f.get(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void idleInstancesPark() throws Exception {
        List<ModelInstance> instances = two(new AtomicReference<>(new CountDownLatch(0)));
        try (DynamicBatchScheduler s = scheduler("spin-c", SchedulerOptions.DEFAULT_IDLE_SPIN_NANOS, instances)) {
            List<CompletableFuture<InferenceResponse>> burst = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                burst.add(s.submit(request(i), 1)); // load, after which an instance spins
            }
            for (CompletableFuture<InferenceResponse> f : burst) {
                f.get(20, TimeUnit.SECONDS);
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean parked = false;
            while (!parked && System.nanoTime() < until) {
                parked = workers("tare-spin-c-1-").stream().allMatch(t -> t.getState() == Thread.State.WAITING);
                Thread.sleep(10);
            }
            assertTrue(parked, "idle instance threads must park after their spin, not keep a core busy");
        }
    }

    private static List<Thread> workers(String prefix) {
        List<Thread> found = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix)).toList();
        assertEquals(2, found.size(), "worker threads named " + prefix + "*");
        return found;
    }
}
