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
 * <p>Absent (not an error) on systems without the libc symbol. Thread-safe.
 */
public final class CpuAffinity {
    /** glibc's cpu_set_t: 1024 bits. */
    private static final int CPU_SET_BYTES = 128;
    private static final MethodHandle SET;
    private static final MethodHandle GET;

    static {
        MethodHandle set = null;
        MethodHandle get = null;
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
        } catch (RuntimeException | LinkageError e) {
            set = null;
            get = null;
        }
        SET = set;
        GET = get;
    }

    private CpuAffinity() {
    }

    /** True when pinning is possible on this system. */
    public static boolean isSupported() {
        return SET != null;
    }

    /** CPUs the process may run on, in ascending order (falls back to 0..n-1). */
    public static int[] allowedCpus() {
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

    /** Lets the calling thread run on every allowed CPU again. */
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
