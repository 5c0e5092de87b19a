package io.otnn.dashboard.state;

import static io.otnn.dashboard.TestRecords.comparison;
import static io.otnn.dashboard.TestRecords.deadLetter;
import static io.otnn.dashboard.TestRecords.explanation;
import static io.otnn.dashboard.TestRecords.serving;
import static io.otnn.dashboard.TestRecords.training;
import static io.otnn.dashboard.TestRecords.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.avro.ErrorKind;
import io.otnn.avro.ExplanationMetrics;
import io.otnn.avro.TrainingJobState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class DashboardStateTest {

    private final DashboardState state = new DashboardState(new DashboardState.Limits(3, 4, 2, 2, 2));

    @Test
    void shouldKeepOnlyTheLastWindowsOfAVersionWhenMoreArrive() {
        for (int i = 0; i < 5; i++) state.onMetrics(window("m", 1, i * 5_000L, 10, 0, null, 0.5, 4, 6));
        state.onMetrics(window("m", 2, 0, 7, 0, null, 0.5, 7, 0));

        List<ModelVersionView> models = state.snapshot().models();
        assertThat(models).extracting(ModelVersionView::key).containsExactly("m v2", "m v1");
        ModelVersionView v1 = models.get(1);
        assertThat(v1.windows()).extracting(WindowFigures::windowStart).containsExactly(10_000L, 15_000L, 20_000L);
        // the totals count every window seen, not only the kept ones
        assertThat(v1.explainedTotal()).isEqualTo(50);
        assertThat(v1.classCounts()).containsExactly(20, 30);
        assertThat(v1.classMix()).containsExactly(0.4, 0.6);
        assertThat(v1.firstSeen()).isZero();
    }

    @Test
    void shouldWeighAccuracyAndCertificateByTheirCountsWhenWindowsDiffer() {
        state.onMetrics(window("m", 1, 0, 100, 100, 0.9, 0.2, 100));
        state.onMetrics(window("m", 1, 5_000, 300, 100, 0.5, 0.6, 300));
        state.onMetrics(window("m", 1, 10_000, 50, 0, null, 1.0, 50));

        ModelVersionView v = state.snapshot().models().get(0);
        // (0.9·100 + 0.5·100) / 200 and (0.2·100 + 0.6·300 + 1.0·50) / 450
        assertThat(v.accuracy()).isCloseTo(0.7, within(1e-12));
        assertThat(v.certificateMean()).isCloseTo(250.0 / 450, within(1e-12));
        assertThat(v.labelledTotal()).isEqualTo(200);
    }

    @Test
    void shouldCountAWindowOnceWhenItIsWrittenTwice() {
        state.onMetrics(window("m", 1, 0, 10, 0, null, 0.5, 10));
        state.onMetrics(window("m", 1, 0, 12, 0, null, 0.5, 12));

        ModelVersionView v = state.snapshot().models().get(0);
        assertThat(v.windows())
                .singleElement()
                .extracting(WindowFigures::explainedCount)
                .isEqualTo(12L);
        assertThat(v.explainedTotal()).isEqualTo(12);
        assertThat(v.classCounts()).containsExactly(12);
    }

    @Test
    void shouldReadTheWindowsFiguresWhenTheRecordHoldsThem() {
        state.onMetrics(window("m", 1, 0, 40, 20, 0.75, 0.3, 10, 30));

        WindowFigures w = state.snapshot().models().get(0).latest();
        assertThat(w.explainedPerSecond()).isEqualTo(8.0);
        assertThat(w.latencyP50Ms()).isEqualTo(12.25);
        assertThat(w.latencyP99Ms()).isEqualTo(80.5);
        assertThat(w.certifiedFractions()).extracting(WindowFigures.Point::y).containsExactly(0.8, 0.25);
        assertThat(w.accuracy()).isEqualTo(0.75);
        // the drift and fidelity fields the window does not set are absent, not zero
        assertThat(w.classMixChiSquare()).isNull();
        assertThat(w.driftAlarms()).isEmpty();
        assertThat(w.muFidelity()).isNull();
    }

    @Test
    void shouldReadDriftAndFidelityByNameWhenTheWriterSchemaHasThem() {
        Schema base = ExplanationMetrics.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) fields.add(new Schema.Field(f, f.schema()));
        Schema optionalDouble =
                SchemaBuilder.unionOf().nullType().and().doubleType().endUnion();
        // the generated schema may already hold them (the drift and fidelity fields are merged): add only the missing
        for (String name : List.of(
                "classMixChiSquare",
                "classMixPValue",
                "classMixPsi",
                "certificateKs",
                "certificateKsPValue",
                "muFidelity",
                "deletionAuc")) {
            if (base.getField(name) == null) {
                fields.add(new Schema.Field(name, optionalDouble, null, Schema.Field.NULL_DEFAULT_VALUE));
            }
        }
        if (base.getField("driftAlarms") == null) {
            fields.add(new Schema.Field(
                    "driftAlarms", Schema.createArray(Schema.create(Schema.Type.STRING)), null, List.of()));
        }
        if (base.getField("fidelitySampleCount") == null) {
            fields.add(new Schema.Field("fidelitySampleCount", Schema.create(Schema.Type.INT), null, 0));
        }
        Schema newer = Schema.createRecord(base.getName(), null, base.getNamespace(), false, fields);
        ExplanationMetrics old = window("m", 1, 0, 40, 0, null, 0.3, 40);
        GenericRecord r = new GenericData.Record(newer);
        for (Schema.Field f : base.getFields()) r.put(f.name(), old.get(f.name()));
        r.put("classMixChiSquare", 31.5);
        r.put("classMixPValue", 0.0002);
        r.put("certificateKs", 0.4);
        r.put("driftAlarms", List.of("CLASS_MIX"));
        r.put("fidelitySampleCount", 16);
        r.put("muFidelity", 0.62);

        state.onMetrics(r);

        WindowFigures w = state.snapshot().models().get(0).latest();
        assertThat(w.classMixChiSquare()).isEqualTo(31.5);
        assertThat(w.classMixPValue()).isEqualTo(0.0002);
        assertThat(w.classMixPsi()).isNull();
        assertThat(w.certificateKs()).isEqualTo(0.4);
        assertThat(w.driftAlarms()).containsExactly("CLASS_MIX");
        assertThat(w.fidelitySampleCount()).isEqualTo(16);
        assertThat(w.muFidelity()).isEqualTo(0.62);
        assertThat(w.deletionAuc()).isNull();
    }

    @Test
    void shouldKeepTheLatestMessagesOfEachKindWhenManyDeadLettersArrive() {
        for (int i = 0; i < 5; i++) state.onDeadLetter(deadLetter(ErrorKind.DESERIALIZATION, "garbage " + i, i));
        state.onDeadLetter(deadLetter(ErrorKind.OVERSIZE, "too big", 9));

        DashboardState.Snapshot s = state.snapshot();
        assertThat(s.deadLettersTotal()).isEqualTo(6);
        assertThat(s.deadLetters())
                .extracting(DeadLetterTally.View::kind)
                .containsExactly("DESERIALIZATION", "OVERSIZE");
        DeadLetterTally.View garbage = s.deadLetters().get(0);
        assertThat(garbage.count()).isEqualTo(5);
        assertThat(garbage.latest())
                .extracting(DeadLetterTally.Letter::message)
                .containsExactly("garbage 4", "garbage 3");
        assertThat(garbage.lastTime()).isEqualTo(1_004L);
    }

    @Test
    void shouldKeepTheNewestExplanationsFirstWhenMoreArriveThanKept() {
        for (int i = 0; i < 6; i++)
            state.onExplanation(explanation("img-" + i, i % 3, i % 2 == 0 ? i % 3 : null, 0.1 * i), 0);

        List<ExplanationEntry.Summary> gallery = state.snapshot().gallery();
        assertThat(gallery)
                .extracting(ExplanationEntry.Summary::imageId)
                .containsExactly("img-5", "img-4", "img-3", "img-2");
        assertThat(state.explanation(gallery.get(0).seq())).isPresent();
        assertThat(state.explanation(1)).as("the first one left the gallery").isEmpty();
        ExplanationEntry.Summary four = gallery.get(1);
        assertThat(four.label()).isEqualTo(1);
        assertThat(four.reachedTarget()).isTrue();
        assertThat(four.model()).isEqualTo("m v1");
        // an explanation makes its version known even before its first window
        assertThat(state.snapshot().models()).extracting(ModelVersionView::key).containsExactly("m v1");
    }

    @Test
    void shouldWakeAWaitingReaderWhenARecordArrives() throws Exception {
        long seen = state.version();
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return state.awaitChange(seen, 30_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        state.onDeadLetter(deadLetter(ErrorKind.OVERSIZE, "x", 1));
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isGreaterThan(seen);
    }

    @Test
    void shouldCountUnreadableRecordsByTopicWhenTheyCannotBeDeserialized() {
        state.onUnreadable("otnn.metrics");
        state.onUnreadable("otnn.metrics");
        assertThat(state.snapshot().unreadable()).containsEntry("otnn.metrics", 2L);
    }

    @Test
    void shouldKeepEachSlotsLatestDecisionAndTheNewestRefusalsWhenExplainersReport() {
        state.onServingStatus(serving("a", "m", 1, null, 1, 1_000));
        state.onServingStatus(serving("b", "m", 1, null, 1, 1_500));
        state.onServingStatus(serving("a", "m", 2, "manifest digest differs from the announcement", 1, 2_000));
        state.onServingStatus(serving("a", "m", 3, "input shape [32, 32, 3] is not the serving [28, 28, 1]", 1, 3_000));
        state.onServingStatus(serving("a", "m", 4, "self-test: gradient norm 1.7 > 1.001", 1, 4_000));
        // an older decision arriving late does not replace the newer one
        state.onServingStatus(serving("b", "m", 0, null, 0, 500));

        DashboardState.Snapshot s = state.snapshot();
        assertThat(s.serving())
                .extracting(ServingDecision::slot)
                .containsExactly("otnn-explainer/a/PRIMARY", "otnn-explainer/b/PRIMARY");
        ServingDecision a = s.serving().get(0);
        assertThat(a.state()).isEqualTo("REFUSED");
        assertThat(a.modelVersion()).isEqualTo(4);
        assertThat(a.servingVersion()).isEqualTo(1);
        assertThat(s.serving().get(1).modelVersion()).isEqualTo(1);
        // the limit is 2 refusals, newest first
        assertThat(s.refusals()).extracting(ServingDecision::modelVersion).containsExactly(4, 3);
        assertThat(s.refusals().get(0).reason()).contains("gradient norm");
    }

    @Test
    void shouldDateServingSinceFromTheFirstServingDecisionWhenAVersionIsReported() {
        state.onMetrics(window("m", 1, 10_000, 10, 0, null, 0.3, 10));
        state.onServingStatus(serving("b", "m", 1, null, 1, 9_000));
        state.onServingStatus(serving("a", "m", 1, null, 1, 8_000));
        state.onServingStatus(serving("a", "m", 2, "refused", 1, 7_000));

        ModelVersionView v1 = state.snapshot().models().get(0);
        assertThat(v1.modelVersion()).isEqualTo(1);
        assertThat(v1.servingSince()).isEqualTo(8_000L);
        assertThat(v1.firstSeen()).isEqualTo(10_000L);
    }

    @Test
    void shouldKeepTheFinalStatusOfARequestWhenAnOlderProgressRecordArrivesAfterIt() {
        state.onTrainingStatus(training("r1", TrainingJobState.RUNNING, 1, 0.7, null, 1_000));
        state.onTrainingStatus(training("r1", TrainingJobState.SUCCEEDED, 5, 0.9, null, 5_000));
        state.onTrainingStatus(training("r1", TrainingJobState.RUNNING, 4, 0.85, null, 4_000));
        state.onTrainingStatus(training("r2", TrainingJobState.REJECTED, 0, null, "unknown data set 'cifar'", 6_000));
        state.onTrainingStatus(training("r3", TrainingJobState.QUEUED, 0, null, null, 7_000));

        List<TrainingProgress> t = state.snapshot().training();
        // at most 2 requests are kept, the newest first
        assertThat(t).extracting(TrainingProgress::requestId).containsExactly("r3", "r2");
        assertThat(t.get(1).error()).isEqualTo("unknown data set 'cifar'");

        DashboardState roomy = new DashboardState(DashboardState.Limits.defaults());
        roomy.onTrainingStatus(training("r1", TrainingJobState.SUCCEEDED, 5, 0.9, null, 5_000));
        roomy.onTrainingStatus(training("r1", TrainingJobState.RUNNING, 4, 0.85, null, 4_000));
        TrainingProgress r1 = roomy.snapshot().training().get(0);
        assertThat(r1.state()).isEqualTo("SUCCEEDED");
        assertThat(r1.modelVersion()).isEqualTo(2);
        assertThat(r1.epoch()).isEqualTo(5);
    }

    @Test
    void shouldKeepTheLastComparisonWindowsOfAPairNewestFirstWhenMoreArrive() {
        for (int i = 0; i < 5; i++) state.onComparison(comparison(i * 5_000L, 100 + i, 0.9, 0.6));
        // a window written again replaces the first copy
        state.onComparison(comparison(20_000L, 999, 0.5, 0.1));

        List<DashboardState.ComparisonView> pairs = state.snapshot().comparisons();
        assertThat(pairs)
                .extracting(DashboardState.ComparisonView::pair)
                .containsExactly("fashion-dense@1 | fashion-dense@2");
        List<ComparisonFigures> w = pairs.get(0).windows();
        assertThat(w).extracting(ComparisonFigures::windowStart).containsExactly(20_000L, 15_000L, 10_000L);
        assertThat(w.get(0).comparedCount()).isEqualTo(999);
        assertThat(w.get(0).saliencySpearmanMean()).isEqualTo(0.1);
        assertThat(w.get(1).certificateDifferenceQuantiles()).hasSize(3);
        assertThat(w.get(1).shadowAccuracy()).isEqualTo(0.85);
    }

    @Test
    void shouldReadAComparisonAsNullsWhenTheWriterSchemaLacksTheOptionalFields() {
        Schema old = SchemaBuilder.record("ExplanationComparison")
                .namespace("io.otnn.avro")
                .fields()
                .requiredString("primaryModelName")
                .requiredInt("primaryModelVersion")
                .requiredString("shadowModelName")
                .requiredInt("shadowModelVersion")
                .requiredLong("windowStart")
                .requiredLong("windowEnd")
                .requiredLong("comparedCount")
                .requiredDouble("classAgreement")
                .endRecord();
        GenericRecord r = new GenericData.Record(old);
        r.put("primaryModelName", "m");
        r.put("primaryModelVersion", 1);
        r.put("shadowModelName", "m");
        r.put("shadowModelVersion", 2);
        r.put("windowStart", 0L);
        r.put("windowEnd", 5_000L);
        r.put("comparedCount", 7L);
        r.put("classAgreement", 1.0);

        ComparisonFigures c = ComparisonFigures.of(r);
        assertThat(c.comparedCount()).isEqualTo(7);
        assertThat(c.saliencySpearmanMean()).isNull();
        assertThat(c.primaryAccuracy()).isNull();
        assertThat(c.saliencySpearmanQuantiles()).isEmpty();
        assertThat(c.certificateDifferenceMean()).isNaN();
    }
}
