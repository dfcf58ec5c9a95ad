package io.tare.server.scheduler;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins requests into one batch along the first dimension and splits the outputs back. Row-major
 * layout makes both a plain concatenation of bytes; a single request passes through uncopied.
 *
 * <p>One assembler per instance thread: it keeps one direct buffer per input and reuses it for
 * every batch (grown when a batch needs more), so batching allocates nothing on the hot path.
 * A joined batch is valid until the next {@link #concat} call.
 */
final class BatchAssembler {
    private final ByteBuffer[] joined;

    BatchAssembler(ModelSignature signature) {
        joined = new ByteBuffer[signature.inputs().size()];
    }

    private ByteBuffer buffer(int input, int bytes) {
        ByteBuffer b = joined[input];
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(Math.max(bytes, b == null ? 0 : b.capacity() * 2));
            joined[input] = b;
        }
        return b.clear().limit(bytes);
    }

    /** Inputs of all requests, in signature order, concatenated along dimension 0. */
    List<TensorData> concat(ModelSignature signature, List<InferenceRequest> requests) {
        List<TensorData> joined = new ArrayList<>(signature.inputs().size());
        for (int index = 0; index < signature.inputs().size(); index++) {
            TensorSpec spec = signature.inputs().get(index);
            if (requests.size() == 1) {
                joined.add(find(requests.getFirst(), spec.name()));
                continue;
            }
            int bytes = 0;
            long rows = 0;
            TensorData first = find(requests.getFirst(), spec.name());
            for (InferenceRequest r : requests) {
                TensorData t = find(r, spec.name());
                bytes = Math.addExact(bytes, t.byteSize());
                rows += t.dim(0);
            }
            ByteBuffer data = buffer(index, bytes);
            for (InferenceRequest r : requests) {
                data.put(find(r, spec.name()).data());
            }
            long[] shape = first.shape();
            shape[0] = rows;
            joined.add(new TensorData(spec.name(), spec.datatype(), shape, data.flip()));
        }
        return joined;
    }

    /** Splits each batched output into per-request slices of {@code rows[i]} rows (views, no copy). */
    static List<List<TensorData>> split(ModelSignature signature, List<TensorData> outputs, int[] rows) {
        List<List<TensorData>> perRequest = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            perRequest.add(new ArrayList<>(outputs.size()));
        }
        if (rows.length == 1) {
            perRequest.getFirst().addAll(outputs);
            return perRequest;
        }
        long total = 0;
        for (int r : rows) {
            total += r;
        }
        for (TensorData out : outputs) {
            if (!signature.batches() || out.rank() == 0 || out.dim(0) != total || !out.datatype().isFixedSize()) {
                throw new TareException(ErrorCode.INTERNAL, "output '" + out.name() + "' of shape "
                        + java.util.Arrays.toString(out.shape()) + " cannot be split into the batch's " + total + " rows");
            }
            int rowBytes = (int) (out.byteSize() / total);
            ByteBuffer data = out.data();
            int offset = 0;
            for (int i = 0; i < rows.length; i++) {
                long[] shape = out.shape();
                shape[0] = rows[i];
                ByteBuffer slice = data.slice(offset, rows[i] * rowBytes);
                perRequest.get(i).add(new TensorData(out.name(), out.datatype(), shape, slice));
                offset += rows[i] * rowBytes;
            }
        }
        return perRequest;
    }

    private static TensorData find(InferenceRequest request, String name) {
        for (TensorData t : request.inputs()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalStateException("unvalidated request lacks input " + name);
    }
}
