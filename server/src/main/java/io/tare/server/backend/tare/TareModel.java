package io.tare.server.backend.tare;

import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ModelInstance;
import io.tare.server.backend.ModelSource;
import io.tare.server.backend.ResponseAnnotations;
import io.tare.server.calibration.ActivationSampler;
import io.tare.server.calibration.Calibratable;
import io.tare.server.calibration.CalibrationPolicy;
import io.tare.server.calibration.CalibrationSettings;
import io.tare.server.calibration.ModelCalibration;
import io.tare.server.calibration.ScaleTarget;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.WeightBits;
import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * One model on the tare engine. Owns the served engine model (swapped atomically when a new scale
 * table needs a rebuild), the float reference and the model's online calibration. Instances hold
 * their own engine sessions; all share the served model's weights.
 */
final class TareModel implements BackendModel, ScaleTarget, Calibratable, ResponseAnnotations {
    private static final Logger LOG = Logger.getLogger(TareModel.class.getName());
    /**
     * The served engine models and the table they run with (null: none). Replaced whole, never
     * mutated. {@code model} has no tap, so the engine fuses across quantization points (requantize
     * fusion, fused residual adds, channels-last activations: about 2x on the Fashion-MNIST CNN);
     * {@code sampled} is the same model built with the sampler's tap, which keeps every float tensor a
     * quantization point reads; the calibration thread replays the batches the sampler picks on it
     * (null: calibration off).
     */
    record Serving(LoadedModel model, LoadedModel sampled, ScaleTable table) {
        long version() {
            return table == null ? -1 : table.version();
        }
    }

    private static final ThreadLocal<Serving> RAN_WITH = new ThreadLocal<>();

    private final String name;
    private final TareEngineModels builder;
    private final ModelSignature signature;
    private final ActivationSampler sampler;
    private final QuantizationTap tap;
    private final AtomicReference<Serving> serving = new AtomicReference<>();
    private final ModelCalibration calibration;
    private LoadedModel reference;

    private TareModel(ModelSource source) {
        this.name = source.name();
        TareModelParameters parameters = TareModelParameters.from(source.parameters());
        CalibrationSettings settings = CalibrationSettings.from(source.parameters());
        this.builder = new TareEngineModels(source.modelFile(), parameters);
        ScaleTable initial = builder.ownTable();
        if (initial == null && parameters.mode() != TareModelParameters.Mode.FP32) {
            LOG.info(() -> "model '" + name + "': float weights quantized to " + parameters.weightBits() + " bits"
                    + (source.parameters().containsKey("weight_bits") ? ""
                            : " (weight_bits auto: " + WeightBits.describeAutomatic() + ")"));
        }
        if (parameters.mode() == TareModelParameters.Mode.STATIC && initial == null
                && settings.policy() != CalibrationPolicy.ONLINE) {
            throw TareException.invalid("model '" + name + "': mode static needs activation scales, and "
                    + source.modelFile().getFileName() + " is a float model: set calibration_policy online "
                    + "(served dynamic until promoted) or use a pre-quantized file");
        }
        this.sampler = settings.enabled() ? new ActivationSampler(settings.fixedSampleRate(), settings.costBudget(),
                settings.catchUpCostBudget(), ActivationSampler.DEFAULT_QUEUE_CAPACITY) : null;
        this.tap = sampler == null ? QuantizationTap.NONE : sampler;
        serving.set(build(initial));
        this.signature = TareSignature.of(source, serving.get().model());
        this.calibration = sampler == null ? null : new ModelCalibration(this, sampler, settings);
    }

    static TareModel load(ModelSource source) {
        try {
            return new TareModel(source);
        } catch (TareException e) {
            throw e;
        } catch (EngineException | IllegalArgumentException | IllegalStateException e) {
            throw new TareException(ErrorCode.INVALID_ARG, "tare engine cannot load " + source.modelFile() + ": "
                    + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    Serving serving() {
        return serving.get();
    }

    void noteVersionOnThisThread(Serving s) {
        RAN_WITH.set(s);
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public String platform() {
        return "tare_onnx";
    }

    @Override
    public ModelInstance createInstance(int index) {
        return new TareInstance(this, sampler);
    }

    // ---- calibration ---------------------------------------------------------------------

    @Override
    public ModelCalibration calibration() {
        if (calibration == null) {
            throw new TareException(ErrorCode.UNSUPPORTED, "calibration is off for model '" + name + "'");
        }
        return calibration;
    }

    @Override
    public ModelCalibration calibrationIfOn() {
        return calibration;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public ScaleTable activeTable() {
        return serving.get().table();
    }

    @Override
    public void install(ScaleTable table) {
        install(table, builder.build(table, QuantizationTap.NONE));
    }

    @Override
    public void install(ScaleTable table, LoadedModel built) {
        Serving current = serving.get();
        if (current.table() != null && table.version() <= current.table().version()) {
            throw new IllegalArgumentException("scale table version " + table.version() + " is not newer than "
                    + current.table().version());
        }
        // instances open sessions on the new models at their next batch; a batch in flight finishes
        // on the models it started with
        serving.set(new Serving(built, sampler == null ? null : builder.build(table, tap), table));
    }

    @Override
    public LoadedModel servedModel() {
        return serving.get().model();
    }

    @Override
    public void serveWithoutTable() {
        serving.set(build(null));
    }

    private Serving build(ScaleTable table) {
        return new Serving(builder.build(table, QuantizationTap.NONE), sampler == null ? null : builder.build(table, tap),
                table);
    }

    @Override
    public LoadedModel shadow(ScaleTable table) {
        return builder.build(table, QuantizationTap.NONE);
    }

    @Override
    public synchronized LoadedModel reference() {
        if (reference == null) {
            reference = builder.reference();
        }
        return reference;
    }

    @Override
    public List<String> outputNames() {
        return signature.outputNames();
    }

    @Override
    public boolean acceptsNewPoints() {
        return !builder.preQuantized();
    }

    @Override
    public Map<String, Object> responseParameters() {
        // the version the batch ran with when completed on its compute thread, else the active one
        Serving s = RAN_WITH.get();
        long version = (s != null ? s : serving.get()).version();
        return version < 0 ? Map.of() : Map.of(SCALE_VERSION, version);
    }

    @Override
    public void close() {
        if (calibration != null) {
            calibration.close();
        }
    }
}
