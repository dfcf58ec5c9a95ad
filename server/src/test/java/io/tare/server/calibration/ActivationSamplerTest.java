package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sampler's budget: what a sampled batch is charged, and when sampling stops and resumes. */
class ActivationSamplerTest {
    private static final long MS = 1_000_000L;

    @Test
    void sampledBatchIsChargedOnlyWhatItTookBeyondAnUnsampledOneOfItsSize() {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 4);
        s.recordRun(null, 784, 10 * MS);
        SampleCapture c = s.begin();
        assertNotNull(c, "the starting credit samples at once");
        s.end(c);
        s.recordRun(c, 784, 13 * MS);
        // serving counts the 10 ms an unsampled batch takes (twice), cost the 3 ms the tapped run added
        assertEquals(3.0 / 20, s.costFraction(), 1e-9);
    }

    @Test
    void sampledBatchOfAnUnseenSizeIsChargedWhole() {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 4);
        s.recordRun(null, 784, 10 * MS);
        SampleCapture c = s.begin();
        s.end(c);
        s.recordRun(c, 8 * 784, 30 * MS);
        assertEquals(30.0 / 10, s.costFraction(), 1e-9);
    }

    @Test
    void samplingStopsWhenTheCreditIsSpentAndResumesAtTheBudgetsRate() {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 4);
        s.recordCost(ActivationSampler.MAX_CREDIT_NANOS + 2 * MS); // 2 ms in debt
        assertNull(s.begin());
        s.recordRun(null, 784, 50 * MS); // earns 1 ms at 2%
        assertNull(s.begin());
        s.recordRun(null, 784, 50 * MS); // earns the second
        assertNotNull(s.begin());
    }

    @Test
    void catchingUpEarnsAtTheCatchUpBudget() {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 4);
        s.recordCost(ActivationSampler.MAX_CREDIT_NANOS + 2 * MS);
        s.setCatchingUp(true);
        s.recordRun(null, 784, 10 * MS); // 2 ms at 20%
        assertNotNull(s.begin());
    }

    @Test
    void idleServingSavesNoMoreThanTheMaximumCredit() {
        ActivationSampler s = new ActivationSampler(0, 0.5, 0.5, 4);
        s.recordRun(null, 784, 1_000 * MS); // would earn 500 ms without the cap
        s.recordCost(ActivationSampler.MAX_CREDIT_NANOS + MS);
        assertNull(s.begin(), "the credit held at most " + ActivationSampler.MAX_CREDIT_NANOS + " ns");
    }

    @Test
    void fullQueueDropsAndCounts() {
        ActivationSampler s = new ActivationSampler(1, 0.02, 0.2, 1);
        for (int i = 0; i < 3; i++) {
            SampleCapture c = s.begin();
            s.end(c);
            s.handOff(c, Map.of(), Map.of(), -1);
        }
        assertEquals(1, s.taken());
        assertEquals(2, s.dropped());
    }
}
