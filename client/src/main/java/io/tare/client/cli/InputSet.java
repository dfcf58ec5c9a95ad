package io.tare.client.cli;

import io.tare.client.InferInput;
import io.tare.client.data.TensorData;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loaded {@code --input}s of a command, seen as a data set whose first dimension is rows: requests
 * are either the whole tensors or batches of consecutive rows (every input cut at the same rows).
 */
final class InputSet {
    private final Map<String, TensorData> tensors;
    private final long rows;

    private InputSet(Map<String, TensorData> tensors, long rows) {
        this.tensors = tensors;
        this.rows = rows;
    }

    /**
     * Loads every {@code --input}.
     *
     * @throws UsageException when none is given, a name repeats, a file is bad, or row counts differ
     */
    static InputSet load(List<String> specs) throws UsageException {
        if (specs.isEmpty()) {
            throw new UsageException("at least one --input name=file[:shape] is required");
        }
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        long rows = -1;
        for (String text : specs) {
            InputSpec spec = InputSpec.parse(text);
            if (tensors.containsKey(spec.name())) {
                throw new UsageException("input '" + spec.name() + "' is given twice");
            }
            TensorData tensor = spec.load();
            tensors.put(spec.name(), tensor);
            if (rows >= 0 && tensor.rows() != rows) {
                throw new UsageException("inputs have different row counts (" + rows + " and " + tensor.rows()
                        + " for '" + spec.name() + "')");
            }
            rows = tensor.rows();
        }
        return new InputSet(tensors, rows);
    }

    long rows() {
        return rows;
    }

    /** Every input as loaded, in one request. */
    List<InferInput> whole() {
        List<InferInput> inputs = new ArrayList<>();
        tensors.forEach((name, tensor) -> inputs.add(InferInput.of(name, tensor)));
        return inputs;
    }

    /**
     * Rows {@code [start, start + batch)} of every input.
     *
     * @throws UsageException when those rows are not all there, or an input is a scalar
     */
    List<InferInput> batch(long start, int batch) throws UsageException {
        if (start < 0 || start + batch > rows) {
            throw new UsageException("rows " + start + ".." + (start + batch - 1) + " are outside the " + rows
                    + " rows of the input data");
        }
        List<InferInput> inputs = new ArrayList<>();
        for (Map.Entry<String, TensorData> entry : tensors.entrySet()) {
            try {
                inputs.add(InferInput.of(entry.getKey(), entry.getValue().sliceRows(start, batch)));
            } catch (IllegalArgumentException e) {
                throw new UsageException("input '" + entry.getKey() + "': " + e.getMessage());
            }
        }
        return inputs;
    }

    /**
     * The data cut into consecutive batches of {@code batch} rows; a last partial batch is dropped so every
     * request has the same shape.
     *
     * @throws UsageException when there are fewer rows than one batch
     */
    List<List<InferInput>> batches(int batch) throws UsageException {
        if (rows < batch) {
            throw new UsageException("--batch " + batch + " is more than the " + rows + " rows of the input data");
        }
        List<List<InferInput>> batches = new ArrayList<>();
        for (long start = 0; start + batch <= rows; start += batch) {
            batches.add(batch(start, batch));
        }
        return batches;
    }
}
