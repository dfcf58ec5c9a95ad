package io.tare.server.engine;

import java.util.Arrays;

/**
 * The memory one model instance runs a plan with: the value table, the memory plan's slot
 * buffers (one array per storage kind per slot, grown on demand and then reused), and scratch
 * arrays shared by all steps (a step's scratch is dead when the next step starts).
 *
 * <p>Not thread-safe: one state per concurrently running instance.
 */
public final class ExecutionState {
    final Tensor[] values;
    /** The scale table of the current run; set by the model before each run. */
    io.tare.server.engine.quant.ScaleTable scaleTable;
    private final Object[][] slotArrays;
    private final Tensor[] cachedByValue;
    private float[][] floatScratch = new float[4][];
    private byte[][] byteScratch = new byte[4][];
    private int[][] intScratch = new int[4][];
    private io.tare.kernels.quant.QuantizedRows[][] quantizedRows = new io.tare.kernels.quant.QuantizedRows[4][];
    private StepContext context;

    ExecutionState(int valueCount, int slotCount) {
        this.values = new Tensor[valueCount];
        this.slotArrays = new Object[slotCount][6];
        this.cachedByValue = new Tensor[valueCount];
    }

    StepContext context(ExecutionPlan plan) {
        if (context == null || context.plan() != plan) {
            context = new StepContext(plan, this);
        }
        return context;
    }

    /** The buffer for value {@code v}: reused from the slot when one is planned, else fresh. */
    Tensor allocate(int v, int slot, DataType type, int[] shape) {
        if (slot < 0) {
            return Tensor.allocate(type, shape);
        }
        int kind = storageKind(type);
        Object array = slotArrays[slot][kind];
        Tensor cached = cachedByValue[v];
        if (cached != null && cached.type() == type && cached.data() == array && Arrays.equals(cached.shape(), shape)) {
            return cached;
        }
        int n = Tensor.sizeOf(shape);
        if (array == null || Tensor.capacityOf(type, array) < n) {
            array = Tensor.newArray(type, n);
            slotArrays[slot][kind] = array;
        }
        Tensor t = Tensor.wrap(type, shape, array);
        cachedByValue[v] = t;
        return t;
    }

    private static int storageKind(DataType type) {
        return switch (type) {
            case FLOAT -> 0;
            case DOUBLE -> 1;
            case INT8, UINT8, BOOL -> 2;
            case INT16, UINT16, FLOAT16 -> 3;
            case INT32, UINT32 -> 4;
            case INT64, UINT64 -> 5;
        };
    }

    float[] floatScratch(int slot, int minLength) {
        if (slot >= floatScratch.length) {
            floatScratch = Arrays.copyOf(floatScratch, slot + 1);
        }
        if (floatScratch[slot] == null || floatScratch[slot].length < minLength) {
            floatScratch[slot] = new float[minLength];
        }
        return floatScratch[slot];
    }

    byte[] byteScratch(int slot, int minLength) {
        if (slot >= byteScratch.length) {
            byteScratch = Arrays.copyOf(byteScratch, slot + 1);
        }
        if (byteScratch[slot] == null || byteScratch[slot].length < minLength) {
            byteScratch[slot] = new byte[minLength];
        }
        return byteScratch[slot];
    }

    int[] intScratch(int slot, int minLength) {
        if (slot >= intScratch.length) {
            intScratch = Arrays.copyOf(intScratch, slot + 1);
        }
        if (intScratch[slot] == null || intScratch[slot].length < minLength) {
            intScratch[slot] = new int[minLength];
        }
        return intScratch[slot];
    }

    /**
     * A quantized-rows buffer of exactly {@code k} columns and at least {@code rows} rows. Buffers
     * are kept per (slot, k): the layers of a model have a handful of distinct widths, and keying by
     * width keeps each layer from reallocating the buffer the previous layer resized.
     */
    io.tare.kernels.quant.QuantizedRows quantizedRows(int slot, int rows, int k) {
        if (slot >= quantizedRows.length) {
            quantizedRows = Arrays.copyOf(quantizedRows, slot + 1);
        }
        io.tare.kernels.quant.QuantizedRows[] bySize = quantizedRows[slot];
        int free = -1;
        for (int i = 0; bySize != null && i < bySize.length; i++) {
            io.tare.kernels.quant.QuantizedRows q = bySize[i];
            if (q != null && q.k() == k) {
                if (q.maxRows() >= rows) {
                    return q;
                }
                free = i;
                break;
            }
        }
        if (free < 0) {
            bySize = bySize == null ? new io.tare.kernels.quant.QuantizedRows[1] : Arrays.copyOf(bySize, bySize.length + 1);
            free = bySize.length - 1;
            quantizedRows[slot] = bySize;
        }
        bySize[free] = new io.tare.kernels.quant.QuantizedRows(Math.max(1, rows), k);
        return bySize[free];
    }
}
