package io.tare.server.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tare.client.data.Datatype;
import io.tare.kernels.pool.CpuAffinity;
import io.tare.server.backend.ModelInstance;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A request wakes the parked instance on the submitting thread's CPU (no cross-CPU wake-up), and a
 * request from a CPU with no instance of its own still runs.
 */
class CpuAffineWakeTest {
    private static final ModelSignature SIGNATURE = new ModelSignature(
            List.of(new TensorSpec("x", Datatype.FP32, new long[]{1})),
            List.of(new TensorSpec("x", Datatype.FP32, new long[]{1})), 0);

    /** Counts the batches it runs. */
    private static final class Counting implements ModelInstance {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
            runs.incrementAndGet();
            return inputs;
        }

        @Override
        public void close() {
        }
    }

    private static InferenceRequest request(float value) {
        ByteBuffer data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
        return new InferenceRequest("affine", "1", "", List.of(new TensorData("x", Datatype.FP32, new long[]{1}, data)),
                List.of(), Map.of(), 0);
    }

    @Test
    void serialRequestsWakeTheInstanceOnTheSubmittersCpu() throws Exception {
        int[] cpus = CpuAffinity.allowedCpus();
        assumeTrue(CpuAffinity.isSupported() && cpus.length >= 2 && CpuAffinity.currentCpu() >= 0,
                "needs CPU pinning and two CPUs");
        Counting first = new Counting();
        Counting second = new Counting();
        // No idle spin: every request goes to a parked instance.
        SchedulerOptions options = new SchedulerOptions(0, List.of(), 0, 16, 2, 0);
        Thread submitter = Thread.currentThread();
        try (DynamicBatchScheduler s = new DynamicBatchScheduler("affine", "1", SIGNATURE, options,
                List.of(first, second), new ModelStats("affine", "1", new SimpleMeterRegistry()),
                index -> CpuAffinity.pinCurrentThread(cpus[index]))) {
            for (int round = 0; round < 40; round++) {
                int target = round % 2; // alternate: the choice must follow the submitter, not habit
                assertTrue(CpuAffinity.pinCurrentThread(cpus[target]));
                awaitBothParked();
                for (int i = 0; i < 5; i++) {
                    s.submit(request(i), 1).get(20, TimeUnit.SECONDS);
                    awaitBothParked();
                }
                Counting expected = target == 0 ? first : second;
                Counting other = target == 0 ? second : first;
                int before = expected.runs.get();
                int otherBefore = other.runs.get();
                s.submit(request(round), 1).get(20, TimeUnit.SECONDS);
                assertEquals(before + 1, expected.runs.get(), "round " + round + ": the instance on CPU "
                        + cpus[target] + " (the submitter's) should have run the request");
                assertEquals(otherBefore, other.runs.get());
            }
        } finally {
            CpuAffinity.unpinCurrentThread(cpus);
        }
        assertTrue(submitter.isAlive());
    }

    @Test
    void aSubmitterOnAnotherCpuStillGetsAnswers() throws Exception {
        int[] cpus = CpuAffinity.allowedCpus();
        assumeTrue(CpuAffinity.isSupported() && cpus.length >= 2, "needs CPU pinning and two CPUs");
        Counting only = new Counting();
        SchedulerOptions options = new SchedulerOptions(0, List.of(), 0, 16, 1, 0);
        try (DynamicBatchScheduler s = new DynamicBatchScheduler("affine-b", "1", SIGNATURE, options,
                List.of(only), new ModelStats("affine-b", "1", new SimpleMeterRegistry()),
                index -> CpuAffinity.pinCurrentThread(cpus[0]))) {
            assertTrue(CpuAffinity.pinCurrentThread(cpus[1]));
            for (int i = 0; i < 100; i++) {
                assertEquals(i, s.submit(request(i), 1).get(20, TimeUnit.SECONDS).outputs().getFirst().data()
                        .order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
            }
            assertEquals(100, only.runs.get());
        } finally {
            CpuAffinity.unpinCurrentThread(cpus);
        }
    }

    private static void awaitBothParked() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("tare-affine-1-")).toList();
            if (workers.size() == 2 && workers.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("instance threads did not park");
    }
}
