package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sampler's budget (when sampling stops and resumes) and its replay of sampled batches. */
class ActivationSamplerTest {
    private static final long MS = 1_000_000L;

    @Test
    void samplingStopsWhenTheCreditIsSpentAndResumesAtTheBudgetsRate() {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 4);
        assertTrue(s.samples(), "the starting credit samples at once");
        s.recordCost(ActivationSampler.MAX_CREDIT_NANOS + 2 * MS); // 2 ms in debt
        assertFalse(s.samples());
        s.recordServing(50 * MS); // earns 1 ms at 2%
        assertFalse(s.samples());
        s.recordServing(50 * MS); // earns the second
        assertTrue(s.samples());
        assertEquals((ActivationSampler.MAX_CREDIT_NANOS + 2.0 * MS) / (100 * MS), s.costFraction(), 1e-9);
    }

    @Test
    void catchingUpEarnsAtTheCatchUpBudget() {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 4);
        s.recordCost(ActivationSampler.MAX_CREDIT_NANOS + 2 * MS);
        s.setCatchingUp(true);
        s.recordServing(10 * MS); // 2 ms at 20%
        assertTrue(s.samples());
    }

    @Test
    void idleServingSavesNoMoreThanTheMaximumCredit() {
        ActivationSampler s = new ActivationSampler(0, 0.5, 0.5, 4);
        s.recordServing(1_000 * MS); // would earn 500 ms without the cap
        s.recordCost(ActivationSampler.MAX_CREDIT_NANOS + MS);
        assertFalse(s.samples(), "the credit holds at most " + ActivationSampler.MAX_CREDIT_NANOS + " ns");
    }

    @Test
    void replayCopiesEachTappedTensorOnceAndOnlyOnTheReplayingThread() throws Exception {
        ActivationSampler s = new ActivationSampler(1, 0.02, 0.2, 4);
        float[] buffer = {1, 2, 3, 4};
        assertFalse(s.enabled(), "request threads never tap");
        s.handOff(Map.of(), Map.of(), 3, inputs -> {
            assertTrue(s.enabled());
            s.observe("a", buffer, 3);
            buffer[0] = 9; // the engine reuses its buffers: the copy must not see this
            s.observe("a", buffer, 3);
            s.observe("b", buffer, 4);
        });
        SampleCapture c = s.poll(0);
        assertNotNull(c);
        s.replay(c);
        assertFalse(s.enabled());
        assertEquals(List.of("a", "b"), c.tensors());
        assertArrayEquals(new float[] {1, 2, 3}, c.values(0));
        assertArrayEquals(new float[] {9, 2, 3, 4}, c.values(1));
        assertEquals(3, c.scaleVersion());
    }

    @Test
    void samplesWaitingInTheQueueHoldTheirCostAlready() throws Exception {
        ActivationSampler s = new ActivationSampler(0, 0.02, 0.2, 8);
        s.handOff(Map.of(), Map.of(), -1, inputs -> { });
        s.recordSampleCost(s.poll(0), 30 * MS); // 20 ms of the starting 50 left; a sample costs ~30 ms
        assertTrue(s.samples());
        s.handOff(Map.of(), Map.of(), -1, inputs -> { });
        assertFalse(s.samples(), "the queued sample's 30 ms are reserved before it is processed");
        s.recordSampleCost(s.poll(0), 10 * MS); // it cost 10: 20 ms come back
        assertTrue(s.samples());
    }

    @Test
    void fullQueueDropsAndCounts() {
        ActivationSampler s = new ActivationSampler(1, 0.02, 0.2, 1);
        for (int i = 0; i < 3; i++) {
            s.handOff(Map.of(), Map.of(), -1, inputs -> { });
        }
        assertEquals(1, s.taken());
        assertEquals(2, s.dropped());
    }
}
