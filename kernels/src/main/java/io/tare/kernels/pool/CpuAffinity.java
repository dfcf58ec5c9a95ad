package io.tare.kernels.pool;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Pins the calling thread to one CPU with Linux {@code sched_setaffinity(0, ...)} through FFM.
 * On these VMs the guest scheduler packs runnable threads onto one vCPU; a pinned compute thread
 * per CPU restores the second core (BUILD-NOTES: ~1.9x).
 *
 * <p><b>The process's CPU set is read once</b>, when this class is first used, and never again:
 * Linux affinity is per thread and inherited by new threads, so asking "which CPUs may I use" from
 * a thread that was already pinned (a model instance thread, a benchmark's caller) answers with
 * that one CPU. That was how a compute pool created by a pinned caller ended up with its worker on
 * the caller's own CPU. Any pinning done through this class necessarily happens after that first
 * read.
 *
 * <p>Absent (not an error) on systems without the libc symbols. Thread-safe.
 */
public final class CpuAffinity {
    /** glibc's cpu_set_t: 1024 bits. */
    private static final int CPU_SET_BYTES = 128;
    private static final MethodHandle SET;
    private static final MethodHandle GET;
    /** {@code int sched_getcpu(void)}: a vDSO/rseq read, tens of nanoseconds. */
    private static final MethodHandle GETCPU;
    private static final int[] PROCESS_CPUS;

    static {
        MethodHandle set = null;
        MethodHandle get = null;
        MethodHandle getcpu = null;
        try {
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
            Optional<MemorySegment> s = linker.defaultLookup().find("sched_setaffinity");
            Optional<MemorySegment> g = linker.defaultLookup().find("sched_getaffinity");
            if (s.isPresent() && g.isPresent()) {
                set = linker.downcallHandle(s.get(), fd);
                get = linker.downcallHandle(g.get(), fd);
            }
            Optional<MemorySegment> c = linker.defaultLookup().find("sched_getcpu");
            if (c.isPresent()) {
                getcpu = linker.downcallHandle(c.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT),
                        Linker.Option.critical(false));
            }
        } catch (RuntimeException | LinkageError e) {
            set = null;
            get = null;
            getcpu = null;
        }
        SET = set;
        GET = get;
        GETCPU = getcpu;
        PROCESS_CPUS = callerMask();
    }

    private CpuAffinity() {
    }

    /** True when pinning is possible on this system. */
    public static boolean isSupported() {
        return SET != null;
    }

    /**
     * CPUs the process may run on, in ascending order, as read when this class was first used (see
     * the class comment): the same answer on every thread, pinned or not. Falls back to 0..n-1.
     */
    public static int[] allowedCpus() {
        return PROCESS_CPUS.clone();
    }

    /** The CPU the calling thread is running on now, or -1 where that cannot be asked. */
    public static int currentCpu() {
        if (GETCPU == null) {
            return -1;
        }
        try {
            return (int) GETCPU.invokeExact();
        } catch (Throwable t) {
            return -1;
        }
    }

    /** The calling thread's own affinity mask now (falls back to 0..n-1); for tests and the class init. */
    static int[] callerMask() {
        int n = Runtime.getRuntime().availableProcessors();
        if (GET != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mask = arena.allocate(CPU_SET_BYTES);
                int rc = (int) GET.invokeExact(0, (long) CPU_SET_BYTES, mask);
                if (rc == 0) {
                    int[] cpus = new int[CPU_SET_BYTES * 8];
                    int count = 0;
                    for (int cpu = 0; cpu < CPU_SET_BYTES * 8; cpu++) {
                        if ((mask.get(ValueLayout.JAVA_BYTE, cpu >> 3) & (1 << (cpu & 7))) != 0) {
                            cpus[count++] = cpu;
                        }
                    }
                    return java.util.Arrays.copyOf(cpus, count);
                }
            } catch (Throwable t) {
                // fall through to the plain numbering below
            }
        }
        int[] cpus = new int[n];
        for (int i = 0; i < n; i++) {
            cpus[i] = i;
        }
        return cpus;
    }

    /** Pins the calling thread to {@code cpu}; returns false if the system refused or cannot pin. */
    public static boolean pinCurrentThread(int cpu) {
        if (SET == null || cpu < 0 || cpu >= CPU_SET_BYTES * 8) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES);
            mask.set(ValueLayout.JAVA_BYTE, cpu >> 3, (byte) (1 << (cpu & 7)));
            return (int) SET.invokeExact(0, (long) CPU_SET_BYTES, mask) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Lets the calling thread run on every CPU in {@code cpus} (e.g. {@link #allowedCpus()}) again. */
    public static boolean unpinCurrentThread(int[] cpus) {
        if (SET == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES);
            for (int cpu : cpus) {
                mask.set(ValueLayout.JAVA_BYTE, cpu >> 3,
                        (byte) (mask.get(ValueLayout.JAVA_BYTE, cpu >> 3) | (1 << (cpu & 7))));
            }
            return (int) SET.invokeExact(0, (long) CPU_SET_BYTES, mask) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
