package io.tare.server.scheduler;

import io.tare.kernels.pool.CpuAffinity;
import io.tare.server.backend.ModelInstance;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.InferenceResponse;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A bounded FIFO drained by one thread per {@link ModelInstance}. When an instance is free it takes
 * the oldest request and, for a batching model, every later request with the same per-row shapes
 * up to {@code maxBatchSize} rows; with a preferred batch size and a queue delay it waits up to
 * that delay for the batch to fill. Expired requests are failed, not run.
 *
 * <p>Threading: {@link #submit} is called from event loops and only takes a short lock; compute
 * runs on the instance threads, which also complete the futures.
 *
 * <p>Idle instances: an instance that just finished a batch under concurrent load (the batch
 * joined several requests, or others were still queued) and finds the queue empty polls it for up
 * to {@link SchedulerOptions#idleSpinNanos()} before it parks, so that the next request is taken
 * without waking a parked thread (a dear step on these VMs). Only one instance per model spins at a
 * time, it spins at most once per batch it ran, and {@link #submit} does not signal when that
 * spinner will take the request; an idle model's threads are all parked. Serial traffic (one
 * request at a time) never spins: there the next request is a network round trip away, and a
 * spinner only takes a core from the client and the event loop (measured: p90 up to 4 ms at
 * concurrency 1 on two shared CPUs when every batch spun).
 *
 * <p>Which parked instance a request wakes: the one that last ran on the CPU the submitting thread
 * (an event loop) is running on now, else the one parked most recently. Waking a thread whose CPU has
 * halted costs an inter-processor interrupt and the hypervisor's wake of that vCPU (100-300 µs on
 * these VMs); waking one queued on the submitter's own CPU costs neither, and the event loop, which
 * only enqueues, yields that CPU to it as soon as it goes back to polling. The answer then comes back
 * to the event loop on the same CPU. For a serial client this removes both server-side cross-CPU
 * wake-ups; under load every instance is busy and nothing changes. The system property
 * {@value #CPU_AFFINE_WAKE_PROPERTY}{@code =false} turns the preference off (to measure it).
 */
public final class DynamicBatchScheduler implements Scheduler {
    private static final Logger LOG = Logger.getLogger(DynamicBatchScheduler.class.getName());
    public static final String CPU_AFFINE_WAKE_PROPERTY = "tare.scheduler.cpuAffineWake";
    private static final boolean CPU_AFFINE_WAKE =
            Boolean.parseBoolean(System.getProperty(CPU_AFFINE_WAKE_PROPERTY, "true"));

    private final String modelName;
    private final String modelVersion;
    private final ModelSignature signature;
    private final SchedulerOptions options;
    private final ModelStats stats;
    private final List<ModelInstance> instances;
    private final List<Thread> workers = new ArrayList<>();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every submit while an instance waits for a fuller batch ({@link #fillWaiters} > 0). */
    private final Condition changed = lock.newCondition();
    /** Instances waiting for work, the most recently parked last; under the lock. */
    private final ArrayDeque<Idle> parked = new ArrayDeque<>();
    /** Instances in {@link #waitForFullerBatch}; under the lock. */
    private int fillWaiters;
    /** queue.size(), written under the lock and read without it by the spinning instance. */
    private volatile int queued;
    /** Whether an instance is polling {@link #queued} instead of waiting on {@link #changed}. */
    private boolean spinnerActive;
    /** Written under the lock; volatile so that a spinning instance sees close() at once. */
    private volatile boolean closed;

    /**
     * @param pinner called first on each worker thread with its index, to pin it to a CPU
     */
    public DynamicBatchScheduler(String modelName, String modelVersion, ModelSignature signature,
                                 SchedulerOptions options, List<ModelInstance> instances, ModelStats stats,
                                 IntConsumer pinner) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.signature = signature;
        this.options = options;
        this.stats = stats;
        this.instances = List.copyOf(instances);
        for (int i = 0; i < this.instances.size(); i++) {
            int index = i;
            ModelInstance instance = this.instances.get(i);
            Thread worker = Thread.ofPlatform().daemon().name("tare-" + modelName + "-" + modelVersion + "-" + i)
                    .unstarted(() -> {
                        pinner.accept(index);
                        drain(instance);
                    });
            workers.add(worker);
        }
        workers.forEach(Thread::start);
        stats.gauge("tare.pending.requests", "Requests waiting in the model's queue", this, DynamicBatchScheduler::pending);
    }

    @Override
    public CompletableFuture<InferenceResponse> submit(InferenceRequest request, int rows) {
        Pending pending = new Pending(request, rows, System.nanoTime(), new CompletableFuture<>());
        lock.lock();
        try {
            if (closed) {
                throw new SchedulerClosedException(modelName);
            }
            if (queue.size() >= options.maxQueueSize()) {
                throw new TareException(ErrorCode.RESOURCE_EXHAUSTED, "model '" + modelName + "' has "
                        + queue.size() + " requests queued, its limit; retry later");
            }
            queue.addLast(pending);
            queued = queue.size();
            // A spinning instance takes a lone request without the cost of a wake-up; a second one
            // may need another instance (a model that does not batch), so it wakes one.
            if (!spinnerActive || queue.size() > 1) {
                wakeOne();
            }
            if (fillWaiters > 0) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        return pending.future;
    }

    /** Wakes a parked instance, preferring one on the caller's CPU (see the class comment). Under the lock. */
    private void wakeOne() {
        if (parked.isEmpty()) {
            return; // every instance is busy or already woken; each checks the queue before it parks
        }
        Idle chosen = null;
        if (parked.size() > 1 && CPU_AFFINE_WAKE) {
            int cpu = CpuAffinity.currentCpu();
            for (Idle idle : parked) {
                if (idle.cpu == cpu) {
                    chosen = idle;
                    break;
                }
            }
        }
        if (chosen == null) {
            chosen = parked.peekLast();
        }
        parked.remove(chosen);
        chosen.wake.signal();
    }

    @Override
    public int pending() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void drain(ModelInstance instance) {
        Idle self = new Idle(lock.newCondition());
        BatchAssembler assembler = new BatchAssembler(signature);
        List<Pending> batch = new ArrayList<>();
        List<Pending> expired = new ArrayList<>();
        boolean loaded = false;
        while (true) {
            batch.clear();
            expired.clear();
            boolean more = take(self, batch, expired, loaded);
            // Concurrent load: the batch joined several requests, or others were left waiting.
            loaded = batch.size() > 1 || queued > 0;
            long now = System.nanoTime();
            for (Pending p : expired) {
                fail(p, new TareException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed after "
                        + (now - p.enqueuedNanos) / 1_000 + " µs in the queue of model '" + modelName + "'"), now);
            }
            if (!batch.isEmpty()) {
                run(instance, assembler, batch);
            }
            if (!more) {
                return;
            }
        }
    }

    /**
     * Fills {@code batch} (and {@code expired}); returns false once closed and empty.
     *
     * @param loaded whether the previous batch saw concurrent load, the only case worth a spin
     */
    private boolean take(Idle self, List<Pending> batch, List<Pending> expired, boolean loaded) {
        boolean maySpin = loaded && options.idleSpinNanos() > 0;
        lock.lock();
        try {
            while (true) {
                while (queue.isEmpty() && !closed) {
                    if (maySpin && !spinnerActive) {
                        maySpin = false;
                        spinUnlocked();
                        continue; // re-checked under the lock: a request may have come as the spin ended
                    }
                    park(self);
                }
                if (queue.isEmpty()) {
                    return false;
                }
                if (signature.batches() && !closed && !waitForFullerBatch()) {
                    continue;
                }
                collect(batch, expired);
                queued = queue.size();
                if (!batch.isEmpty() || !expired.isEmpty()) {
                    return true;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits for {@link #wakeOne} or close; holding the lock, which the wait releases. */
    private void park(Idle self) {
        // Pinned instances run where they were pinned; an unpinned one most likely wakes where it parked.
        self.cpu = CpuAffinity.currentCpu();
        parked.addLast(self);
        self.wake.awaitUninterruptibly();
        parked.remove(self); // still listed after a spurious wake-up or close
    }

    /**
     * Polls {@link #queued} for up to the idle-spin time with the lock released; returns holding it.
     * Called with the lock held and the queue empty.
     */
    private void spinUnlocked() {
        spinnerActive = true;
        lock.unlock();
        try {
            long deadline = System.nanoTime() + options.idleSpinNanos();
            while (queued == 0 && !closed && System.nanoTime() - deadline < 0) {
                // yield, not a bare pause: when the CPUs are oversubscribed (client and server on
                // two vCPUs, or other work) a spinner must hand its core to a thread with work
                Thread.yield();
            }
        } finally {
            lock.lock();
            spinnerActive = false;
        }
    }

    /**
     * Waits (holding the lock's condition) while a preferred batch size is worth waiting for.
     * Returns false if the queue emptied meanwhile (another worker took it).
     */
    private boolean waitForFullerBatch() {
        if (options.maxQueueDelayNanos() <= 0 || options.preferredBatchSizes().isEmpty()) {
            return true;
        }
        int target = options.preferredBatchSizes().getLast();
        while (!queue.isEmpty() && !closed && queuedRows() < target) {
            long waited = System.nanoTime() - queue.peekFirst().enqueuedNanos;
            long left = options.maxQueueDelayNanos() - waited;
            if (left <= 0) {
                break;
            }
            fillWaiters++;
            try {
                changed.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                fillWaiters--;
            }
        }
        return !queue.isEmpty();
    }

    private int queuedRows() {
        int rows = 0;
        for (Pending p : queue) {
            rows += p.rows;
        }
        return rows;
    }

    private void collect(List<Pending> batch, List<Pending> expired) {
        long now = System.nanoTime();
        int rows = 0;
        long[][] key = null;
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.request.expired(now)) {
                it.remove();
                expired.add(p);
                continue;
            }
            if (batch.isEmpty()) {
                it.remove();
                batch.add(p);
                rows = p.rows;
                key = rowShapes(p.request);
                if (!signature.batches()) {
                    return;
                }
                continue;
            }
            if (rows + p.rows <= options.maxBatchSize() && Arrays.deepEquals(key, rowShapes(p.request))) {
                it.remove();
                batch.add(p);
                rows += p.rows;
                if (rows == options.maxBatchSize()) {
                    return;
                }
            }
        }
    }

    /** Per-row shape of each input, in signature order: requests batch together only if these match. */
    private long[][] rowShapes(InferenceRequest request) {
        long[][] shapes = new long[signature.inputs().size()][];
        for (TensorData t : request.inputs()) {
            int index = indexOf(t.name());
            long[] shape = t.shape();
            shapes[index] = Arrays.copyOfRange(shape, 1, shape.length);
        }
        return shapes;
    }

    private int indexOf(String inputName) {
        List<TensorSpec> inputs = signature.inputs();
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(inputName)) {
                return i;
            }
        }
        throw new IllegalStateException("unvalidated input " + inputName);
    }

    private void run(ModelInstance instance, BatchAssembler assembler, List<Pending> batch) {
        long start = System.nanoTime();
        List<String> outputs = outputNames(batch);
        List<TensorData> results;
        try {
            results = instance.execute(assembler.concat(signature, batch.stream().map(p -> p.request).toList()), outputs);
        } catch (TareException e) {
            long now = System.nanoTime();
            batch.forEach(p -> fail(p, e, now));
            return;
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "model '" + modelName + "' failed a batch", e);
            long now = System.nanoTime();
            TareException error = new TareException(ErrorCode.INTERNAL, "model '" + modelName
                    + "' failed: " + e, e);
            batch.forEach(p -> fail(p, error, now));
            return;
        }
        long end = System.nanoTime();
        int rows = batch.stream().mapToInt(p -> p.rows).sum();
        stats.recordBatch(batch.size(), rows, end - start);
        List<List<TensorData>> perRequest;
        try {
            perRequest = BatchAssembler.split(signature, results, batch.stream().mapToInt(p -> p.rows).toArray());
        } catch (TareException e) {
            batch.forEach(p -> fail(p, e, end));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            InferenceResponse response = new InferenceResponse(modelName, modelVersion, p.request.id(),
                    select(perRequest.get(i), p.request.requestedOutputs()), Map.of());
            stats.recordSuccess(start - p.enqueuedNanos, end - p.enqueuedNanos);
            p.future.complete(response);
        }
    }

    private List<String> outputNames(List<Pending> batch) {
        for (Pending p : batch) {
            if (p.request.requestedOutputs().isEmpty()) {
                return signature.outputNames();
            }
        }
        return signature.outputNames().stream()
                .filter(n -> batch.stream().anyMatch(p -> p.request.requestedOutputs().contains(n))).toList();
    }

    private static List<TensorData> select(List<TensorData> outputs, List<String> requested) {
        if (requested.isEmpty()) {
            return outputs;
        }
        List<TensorData> selected = new ArrayList<>(requested.size());
        for (String name : requested) {
            outputs.stream().filter(t -> t.name().equals(name)).findFirst().ifPresent(selected::add);
        }
        return selected;
    }

    private void fail(Pending p, TareException error, long now) {
        stats.recordFailure(error.code().name().toLowerCase(java.util.Locale.ROOT), now - p.enqueuedNanos);
        p.future.completeExceptionally(error);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
            parked.forEach(idle -> idle.wake.signal());
        } finally {
            lock.unlock();
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        instances.forEach(ModelInstance::close);
    }

    /** A drain thread's parking place: its own condition, so that a submit can pick which one wakes. */
    private static final class Idle {
        final Condition wake;
        /** The CPU it last parked on (its own when pinned), -1 when unknown. */
        int cpu = -1;

        Idle(Condition wake) {
            this.wake = wake;
        }
    }

    private record Pending(InferenceRequest request, int rows, long enqueuedNanos,
                           CompletableFuture<InferenceResponse> future) {
    }
}
