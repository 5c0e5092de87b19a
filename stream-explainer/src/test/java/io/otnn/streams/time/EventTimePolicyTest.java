package io.otnn.streams.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTimePolicyTest {

    private static final long NOW = Instant.parse("2026-12-01T08:00:00Z").toEpochMilli();
    private static final long FUTURE = 600_000;
    private static final long PAST = 604_800_000;
    private final EventTimePolicy policy = new EventTimePolicy(FUTURE, PAST);

    @Test
    void shouldKeepTheEventTimeWhenItIsExactlyAtTheFutureBound() {
        assertThat(policy.decide(NOW + FUTURE, NOW, NOW)).isEqualTo(new EventTime(NOW + FUTURE, TimeAdjustment.NONE));
    }

    @Test
    void shouldUseTheArrivalTimeWhenTheEventTimeIsOneMillisecondBeyondTheFutureBound() {
        assertThat(policy.decide(NOW + FUTURE + 1, NOW, NOW)).isEqualTo(new EventTime(NOW, TimeAdjustment.FUTURE));
    }

    @Test
    void shouldKeepTheEventTimeWhenItIsExactlyAtThePastBound() {
        assertThat(policy.decide(NOW - PAST, NOW, NOW)).isEqualTo(new EventTime(NOW - PAST, TimeAdjustment.NONE));
    }

    @Test
    void shouldUseTheArrivalTimeWhenTheEventTimeIsOneMillisecondBeyondThePastBound() {
        assertThat(policy.decide(NOW - PAST - 1, NOW, NOW)).isEqualTo(new EventTime(NOW, TimeAdjustment.PAST));
    }

    @Test
    void shouldUseTheArrivalTimeWhenTheEventTimeIsInTheYear2200() {
        long year2200 = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();
        EventTime time = policy.decide(year2200, year2200, NOW);
        assertThat(time.timestamp()).isEqualTo(NOW);
        assertThat(time.adjustment()).isEqualTo(TimeAdjustment.FUTURE);
        assertThat(time.adjusted()).isTrue();
    }

    @Test
    void shouldUseTheArrivalTimeWhenTheEventTimeIsTheLargestLong() {
        assertThat(policy.decide(Long.MAX_VALUE, NOW, NOW)).isEqualTo(new EventTime(NOW, TimeAdjustment.FUTURE));
    }

    @Test
    void shouldUseTheRecordTimestampWhenTheEventTimeIsZeroAndTheTimestampIsWithinBounds() {
        assertThat(policy.decide(0, NOW - 5_000, NOW)).isEqualTo(new EventTime(NOW - 5_000, TimeAdjustment.MISSING));
    }

    @Test
    void shouldUseTheArrivalTimeWhenTheEventTimeIsNegativeAndTheTimestampIsTooOld() {
        assertThat(policy.decide(-42, NOW - PAST - 1, NOW)).isEqualTo(new EventTime(NOW, TimeAdjustment.MISSING));
    }

    @Test
    void shouldUseTheArrivalTimeWhenTheEventTimeIsAbsentAndTheTimestampIsNegative() {
        assertThat(policy.decide(Long.MIN_VALUE, -1, NOW)).isEqualTo(new EventTime(NOW, TimeAdjustment.MISSING));
    }

    @Test
    void shouldMarkAnEventTimeOfOneMillisecondAsPastWhenTheBoundIsSevenDays() {
        assertThat(policy.decide(1, NOW, NOW)).isEqualTo(new EventTime(NOW, TimeAdjustment.PAST));
    }

    @Test
    void shouldKeepARecordTimestampWithinBoundsAndReplaceOneBeyondThemWhenThereIsNoEventTime() {
        assertThat(policy.recordTimestamp(NOW + FUTURE, NOW)).isEqualTo(NOW + FUTURE);
        assertThat(policy.recordTimestamp(NOW + FUTURE + 1, NOW)).isEqualTo(NOW);
        assertThat(policy.recordTimestamp(NOW - PAST, NOW)).isEqualTo(NOW - PAST);
        assertThat(policy.recordTimestamp(NOW - PAST - 1, NOW)).isEqualTo(NOW);
        assertThat(policy.recordTimestamp(0, NOW)).isEqualTo(NOW);
    }

    @Test
    void shouldNarrowBothBoundsWhenATopicAcceptsLess() {
        EventTimePolicy narrowed = policy.within(60_000, Long.MAX_VALUE);
        assertThat(narrowed.maxFutureMs()).isEqualTo(60_000);
        assertThat(narrowed.maxPastMs()).isEqualTo(PAST);
        assertThat(narrowed.decide(NOW + 60_001, NOW, NOW).adjustment()).isEqualTo(TimeAdjustment.FUTURE);
    }

    @Test
    void shouldStayBelowTheBrokersDefaultLimitsWhenUsingTheDefaults() {
        EventTimePolicy defaults = EventTimePolicy.defaults();
        // Kafka 4 brokers refuse timestamps more than message.timestamp.after.max.ms = 1 h ahead
        assertThat(defaults.maxFutureMs()).isLessThan(3_600_000L);
        assertThat(defaults.maxPastMs()).isEqualTo(7 * 24 * 3_600_000L);
    }

    @Test
    void shouldRefuseANegativeSkewWhenCreated() {
        assertThatThrownBy(() -> new EventTimePolicy(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
