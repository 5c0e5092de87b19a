package io.otnn.dashboard.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.TrainingJobState;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.dashboard.Dashboard;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.dashboard.TestRecords;
import io.otnn.datasets.SampleData;
import io.otnn.explain.testing.Fixtures;
import io.otnn.ingest.ImagePublisher;
import io.otnn.ingest.PublishResult;
import io.otnn.ingest.source.IdxSource;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerdes;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import java.io.File;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium, on the real pipeline: the embedded broker and registry, the stream
 * explainer on explain-core's dense 784-256-256-10 fixture checkpoint (TensorFlow through DJL), images from the
 * ingest module's {@link ImagePublisher}, and a bad record on the images topic. What the page shows is compared with
 * the records a {@code read_committed} consumer of the same topics reads.
 */
class DashboardBrowserTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static LocalStack stack;
    private static StreamExplainerApp explainer;
    private static Dashboard dashboard;
    private static ChromeDriver browser;
    private static Path work;
    private static Path data;
    private static final Map<String, GenericRecord> windows = new ConcurrentHashMap<>();
    private static final Map<String, Long> explanationsSeenAt = new ConcurrentHashMap<>();
    private static final Map<String, Long> explanationTimestamps = new ConcurrentHashMap<>();
    private static final List<DeadLetter> deadLetters = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static Thread reader;
    private static volatile boolean stopReading;

    @BeforeAll
    static void startEverything() throws Exception {
        assertThat(new File(CHROMIUM))
                .as("the browser test needs Chromium at " + CHROMIUM
                        + " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)")
                .canRead();
        assertThat(new File(CHROMEDRIVER).canExecute())
                .as("the browser test needs ChromeDriver at " + CHROMEDRIVER
                        + " (Debian: apt-get install chromium-driver; .ci/run installs it)")
                .isTrue();
        work = Files.createTempDirectory("otnn-dashboard-browser-");
        data = SampleData.extract(work.resolve("data"));
        stack = LocalStack.start();

        Path checkpoint = Fixtures.denseMnist();
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ExplainerConfig.MODEL_CONFIG, checkpoint.toString());
        props.put(ExplainerConfig.APPLICATION_ID_CONFIG, "dashboard-browser");
        props.put(ExplainerConfig.TOPIC_REPLICATION_FACTOR_CONFIG, "1");
        props.put(ExplainerConfig.METRICS_WINDOW_MS_CONFIG, "2000");
        props.put(ExplainerConfig.METRICS_GRACE_MS_CONFIG, "3000");
        props.put("replication.factor", "1");
        props.put("state.dir", work.resolve("streams").toString());
        explainer = StreamExplainerApp.builder().setProperties(props).build().start();
        assertThat(explainer.awaitRunning(Duration.ofSeconds(120)))
                .as("explainer running")
                .isTrue();

        announce(checkpoint);
        dashboard = Dashboard.start(DashboardConfig.local(stack.bootstrapServers(), stack.schemaRegistryUrl()));
        startReadingTopics();
        browser = chromium();
        browser.get(dashboard.url());
    }

    /** The checkpoint's announcement on otnn.models, as the trainer makes it, with training priors in its metadata. */
    private static void announce(Path checkpoint) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path announced = Fixtures.copy(checkpoint, work.resolve("announced"));
        ObjectNode metadata = (ObjectNode)
                json.readTree(announced.resolve(ModelMetadata.FILE_NAME).toFile());
        ObjectNode reference = metadata.putObject("reference");
        var priors = reference.putArray("classPriors");
        for (int k = 0; k < 10; k++) priors.add(0.1);
        json.writeValue(announced.resolve(ModelMetadata.FILE_NAME).toFile(), metadata);
        ModelMetadata m = ModelMetadata.read(announced.resolve(ModelMetadata.FILE_NAME));
        ModelCheckpoint event = ModelCheckpoint.newBuilder()
                .setModelName(m.name())
                .setVersion(m.version())
                .setUri(announced.toUri().toString())
                .setManifestDigest("0".repeat(64))
                .setTask(io.otnn.avro.Task.MULTICLASS)
                .setClassNames(m.classNames())
                .setInputShape(m.input().shape())
                .setLipschitzConstant(m.lipschitzConstant())
                .setCertificateFactor(m.certificateFactor())
                .setTestAccuracy(null)
                .setCertifiedAccuracy(List.of())
                .setCreatedTime(java.time.Instant.now())
                .build();
        try (SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
                KafkaProducer<String, ModelCheckpoint> producer = new KafkaProducer<>(
                        producerProps(),
                        new StringSerializer(),
                        AvroSerdes.specific(ModelCheckpoint.class, registry, false)
                                .serializer())) {
            producer.send(new ProducerRecord<>("otnn.models", m.name(), event)).get();
        }
    }

    private static Properties producerProps() {
        Properties p = new Properties();
        p.put("bootstrap.servers", stack.bootstrapServers());
        return p;
    }

    /** A read_committed consumer of the metrics, explanations and dead letters: what the page must agree with. */
    private static void startReadingTopics() {
        reader = new Thread(
                () -> {
                    Properties p = new Properties();
                    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
                    p.put(ConsumerConfig.GROUP_ID_CONFIG, "browser-test-" + UUID.randomUUID());
                    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                    p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "2000");
                    try (SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
                            KafkaConsumer<String, byte[]> consumer =
                                    new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
                        var generic = AvroSerdes.generic(registry, false).deserializer();
                        var explanation = AvroSerdes.specific(Explanation.class, registry, false)
                                .deserializer();
                        var letter = AvroSerdes.specific(DeadLetter.class, registry, false)
                                .deserializer();
                        consumer.subscribe(List.of("otnn.metrics", "otnn.explanations", "otnn.images.dlq"));
                        while (!stopReading) {
                            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                                long now = System.currentTimeMillis();
                                switch (r.topic()) {
                                    case "otnn.metrics" -> {
                                        GenericRecord w = generic.deserialize(r.topic(), r.value());
                                        windows.put(String.valueOf(millis(w.get("windowStart"))), w);
                                    }
                                    case "otnn.explanations" -> {
                                        Explanation e = explanation.deserialize(r.topic(), r.value());
                                        explanationsSeenAt.putIfAbsent(e.getImageId(), now);
                                        explanationTimestamps.putIfAbsent(e.getImageId(), r.timestamp());
                                    }
                                    default -> deadLetters.add(letter.deserialize(r.topic(), r.value()));
                                }
                            }
                        }
                    }
                },
                "browser-test-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private static long millis(Object v) {
        return v instanceof java.time.Instant i ? i.toEpochMilli() : ((Number) v).longValue();
    }

    private static ChromeDriver chromium() throws Exception {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1440,2200",
                "--user-data-dir=" + Files.createTempDirectory(work, "chromium-profile-"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopEverything() {
        stopReading = true;
        if (browser != null) browser.quit();
        if (dashboard != null) dashboard.close();
        if (explainer != null) explainer.close();
        if (stack != null) stack.close();
    }

    private static PublishResult ingest(Path source, long limit, double rate) {
        try (ImagePublisher publisher = ImagePublisher.builder()
                .setBootstrapServers(stack.bootstrapServers())
                .setSchemaRegistryUrl(stack.schemaRegistryUrl())
                .optRate(rate)
                .optLimit(limit)
                .optWithLabels(true)
                .build()) {
            return publisher.publish(List.of(IdxSource.open(source)), ImagePublisher.Progress.NONE);
        }
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("gave up after " + WAIT.toSeconds() + " s waiting for " + what);
            Thread.sleep(50);
        }
    }

    // the page's number formats (app.js fmt), computed here from the records
    private static String fixed(double v, int digits) {
        return new BigDecimal(v).setScale(digits, RoundingMode.HALF_UP).toPlainString();
    }

    private static String pct(Object v) {
        return v == null ? "—" : fixed(((Number) v).doubleValue() * 100, 1) + " %";
    }

    private static String count(long v) {
        return String.format(Locale.US, "%,d", v);
    }

    private static double quantile(GenericRecord w, String field, double q) {
        for (Object o : (List<?>) w.get(field)) {
            GenericRecord p = (GenericRecord) o;
            if (Math.abs((Double) p.get("q") - q) < 1e-9) return (Double) p.get("value");
        }
        throw new AssertionError("no q" + q + " in " + field);
    }

    @Test
    void shouldShowTheRecordsFiguresDeadLettersAndPicturesAndUpdateWithoutReload() throws Exception {
        PublishResult first = ingest(data.resolve("t10k-images-idx3-ubyte.gz"), 300, 150);
        assertThat(first.sent()).isEqualTo(300);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("otnn.images", "bad-record-1", "this is not an ImageEvent".getBytes()))
                    .get();
        }

        // the metric windows: every row the page shows holds the figures of the record with its window start
        await("two metric windows on the page", () -> rowsOnPage().size() >= 2);
        js("window.__notReloaded = true;");
        await(
                "the test's consumer to have every window the page shows",
                () -> rowsOnPage().stream().allMatch(row -> windows.containsKey((String) row.get("start"))));
        int compared = 0;
        for (Map<String, Object> row : rowsOnPage()) {
            String start = (String) row.get("start");
            GenericRecord w = windows.get(start);
            @SuppressWarnings("unchecked")
            Map<String, String> cells = (Map<String, String>) row.get("cells");
            long explained = (Long) w.get("explainedCount");
            double seconds = (millis(w.get("windowEnd")) - millis(w.get("windowStart"))) / 1000.0;
            assertThat(cells.get("explainedCount")).as("explained in " + start).isEqualTo(count(explained));
            assertThat(cells.get("explainedPerSecond")).isEqualTo(fixed(explained / seconds, 1));
            assertThat(cells.get("latencyP50Ms")).isEqualTo(fixed(quantile(w, "latencyQuantilesMs", 0.5), 1));
            assertThat(cells.get("latencyP99Ms")).isEqualTo(fixed(quantile(w, "latencyQuantilesMs", 0.99), 1));
            assertThat(cells.get("accuracy")).isEqualTo(pct(w.get("accuracy")));
            assertThat(cells.get("deadLetteredCount")).isEqualTo(count((Long) w.get("deadLetteredCount")));
            List<String> certified = new ArrayList<>();
            for (Object o : (List<?>) w.get("certifiedFractions"))
                certified.add(pct(((GenericRecord) o).get("fraction")));
            assertThat(row.get("certified"))
                    .as("certified fractions in " + start)
                    .isEqualTo(certified);
            List<String> radii = new ArrayList<>();
            for (Object o : (List<?>) w.get("certificateQuantiles"))
                radii.add(fixed((Double) ((GenericRecord) o).get("value"), 3));
            assertThat(row.get("radius")).as("radius quantiles in " + start).isEqualTo(radii);
            // drift fields: the record's value when its schema has one, else the dash
            boolean hasDrift = w.getSchema().getField("classMixPValue") != null && w.get("classMixPValue") != null;
            assertThat(cells.get("classMixPValue").equals("—")).isEqualTo(!hasDrift);
            compared++;
        }
        assertThat(compared).isGreaterThanOrEqualTo(2);
        System.out.printf("Compared %d metric windows on the page with the records%n", compared);

        // the training priors of the announced checkpoint are drawn beside the class mix
        await(
                "the class priors from the checkpoint",
                () -> !browser.findElements(By.cssSelector(".bar-prior")).isEmpty());

        // the dead letter of the bad record, with the message of its DeadLetter record
        await(
                "the dead letter read by the test",
                () -> deadLetters.stream().anyMatch(d -> d.getErrorKind() == io.otnn.avro.ErrorKind.DESERIALIZATION));
        DeadLetter bad = deadLetters.stream()
                .filter(d -> d.getErrorKind() == io.otnn.avro.ErrorKind.DESERIALIZATION)
                .findFirst()
                .orElseThrow();
        await(
                "the DESERIALIZATION row",
                () -> js("return document.querySelector('tr[data-kind=DESERIALIZATION]');") != null);
        assertThat(js("return document.querySelector('tr[data-kind=DESERIALIZATION] [data-field=count]').textContent;"))
                .isEqualTo("1");
        assertThat((String) js("return document.querySelector('tr[data-kind=DESERIALIZATION] .messages').textContent;"))
                .contains(bad.getMessage());

        // the gallery: its pictures decode in the browser
        await(
                "gallery pictures decoded",
                () -> Boolean.TRUE.equals(js("const imgs = [...document.querySelectorAll('#gallery img')];"
                        + "return imgs.length >= 3 && imgs.every(i => i.complete && i.naturalWidth > 0);")));
        assertThat((Long) js("return document.querySelector('#gallery img').naturalWidth;"))
                .isEqualTo(28L);
        String tileId = (String) js("return document.querySelector('#gallery .tile').dataset.imageId;");
        assertThat((String) js("return document.querySelector('#gallery .tile').textContent;"))
                .contains("r = ");
        // the explainer publishes x: each tile shows x, the saliency, x_cf and x_cf - x
        assertThat(js("return [...document.querySelectorAll('#gallery .tile')[0].querySelectorAll('img')]"
                        + ".map(i => i.alt).join(',');"))
                .isEqualTo("input,saliency,counterfactual,difference");

        // a new window and new explanations arrive without a reload; when each appears is timestamped in the page
        long newestShown = rowsOnPage().stream()
                .mapToLong(r -> Long.parseLong((String) r.get("start")))
                .max()
                .orElseThrow();
        js(
                "window.__appeared = {};"
                        + "new MutationObserver(() => { for (const t of document.querySelectorAll('#gallery .tile')) {"
                        + "  const id = t.dataset.imageId; if (!(id in window.__appeared)) window.__appeared[id] = Date.now(); } })"
                        + ".observe(document.getElementById('gallery'), {childList: true});"
                        + "for (const t of document.querySelectorAll('#gallery .tile')) window.__appeared[t.dataset.imageId] = 0;");
        PublishResult second = ingest(data.resolve("train-images-idx3-ubyte.gz"), 40, 10);
        assertThat(second.sent()).isEqualTo(40);
        await(
                "a window newer than the ones shown",
                () -> rowsOnPage().stream().anyMatch(r -> Long.parseLong((String) r.get("start")) > newestShown));
        assertThat(js("return window.__notReloaded === true;"))
                .as("the page was not reloaded")
                .isEqualTo(true);
        await(
                "the last explanation of the second batch on the page",
                () -> Boolean.TRUE.equals(
                        js("return Object.keys(window.__appeared).some(id => id.endsWith('/train/39'));")));

        @SuppressWarnings("unchecked")
        Map<String, Long> appeared = ((Map<String, Object>) js("return window.__appeared;"))
                .entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> ((Number) e.getValue()).longValue()));
        List<Long> sinceConsumed = new ArrayList<>();
        List<Long> sinceImageSent = new ArrayList<>();
        appeared.forEach((id, at) -> {
            if (id.contains("/train/") && at > 0 && explanationsSeenAt.containsKey(id)) {
                sinceConsumed.add(at - explanationsSeenAt.get(id));
                sinceImageSent.add(at - explanationTimestamps.get(id));
            }
        });
        assertThat(sinceConsumed)
                .as("explanations of the second batch timed on the page")
                .hasSizeGreaterThan(20);
        System.out.printf(
                "Dashboard update latency over %d explanations: explanation read by a read_committed "
                        + "consumer -> on screen: median %d ms, max %d ms; image sent (record timestamp) -> on screen: "
                        + "median %d ms, max %d ms%n",
                sinceConsumed.size(),
                median(sinceConsumed),
                sinceConsumed.stream().mapToLong(Long::longValue).max().orElseThrow(),
                median(sinceImageSent),
                sinceImageSent.stream().mapToLong(Long::longValue).max().orElseThrow());

        await(
                "every gallery picture decoded before the screenshot",
                () -> Boolean.TRUE.equals(
                        js(
                                "return [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth > 0);")));
        Path target = Path.of("target");
        Files.createDirectories(target);
        Files.write(target.resolve("dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));

        // the detail view of one explanation, with the server-rendered pictures
        browser.findElement(By.cssSelector("#gallery .tile")).click();
        await(
                "the detail view",
                () -> Boolean.TRUE.equals(js("const imgs = [...document.querySelectorAll('#detail img.big')];"
                        + "return document.getElementById('detail').open && imgs.length >= 5"
                        + " && imgs.every(i => i.complete && i.naturalWidth === 28);")));
        assertThat(browser.findElement(By.id("detail-body")).getText())
                .contains("certified L2 radius")
                .contains("input x, predicted")
                .contains("difference x_cf − x");
        Files.write(target.resolve("dashboard-detail.png"), browser.getScreenshotAs(OutputType.BYTES));
        assertThat(tileId).isNotBlank();

        // the gallery's filters show exactly the explanations of the dashboard's state that pass them
        js("document.getElementById('detail').close();");
        com.fasterxml.jackson.databind.JsonNode gallery = new ObjectMapper()
                .readTree(java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(dashboard.url() + "api/state"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body())
                .get("gallery");
        List<String> wrong = new ArrayList<>();
        List<String> low = new ArrayList<>();
        Map<Integer, List<String>> byClass = new HashMap<>();
        for (var g : gallery) {
            String id = g.get("imageId").asText();
            if (!g.get("label").isNull()
                    && g.get("label").asInt() != g.get("predictedClass").asInt()) wrong.add(id);
            if (g.get("certificate").asDouble() < 0.141) low.add(id);
            byClass.computeIfAbsent(g.get("predictedClass").asInt(), k -> new ArrayList<>())
                    .add(id);
        }
        assertThat(galleryIds()).hasSize(gallery.size());
        browser.findElement(By.id("filter-wrong")).click();
        await(
                "only the tiles whose prediction is not the label",
                () -> galleryIds().equals(wrong));
        browser.findElement(By.id("filter-wrong")).click();
        browser.findElement(By.id("filter-low")).click();
        await("only the tiles certified below 0.141", () -> galleryIds().equals(low));
        browser.findElement(By.id("filter-low")).click();
        int someClass = byClass.keySet().iterator().next();
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-class")))
                .selectByValue(Integer.toString(someClass));
        await("only the tiles of class " + someClass, () -> galleryIds().equals(byClass.get(someClass)));
        System.out.printf(
                "Gallery filters: %d of %d wrong, %d below 0.141, %d of class %d%n",
                wrong.size(), gallery.size(), low.size(), byClass.get(someClass).size(), someClass);
    }

    @SuppressWarnings("unchecked")
    private static List<String> galleryIds() {
        return (List<String>)
                js("return [...document.querySelectorAll('#gallery .tile')].map(t => t.dataset.imageId);");
    }

    /** The window rows as the page shows them, read in one script (the table is redrawn on every update). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rowsOnPage() {
        return (List<Map<String, Object>>) js("return [...document.querySelectorAll('tr.window-row')].map(r => ({"
                + "start: r.dataset.windowStart,"
                + "cells: Object.fromEntries([...r.querySelectorAll('[data-field]')]"
                + "  .filter(c => c.dataset.field !== 'certified' && c.dataset.field !== 'radius')"
                + "  .map(c => [c.dataset.field, c.textContent])),"
                + "certified: [...r.querySelectorAll('[data-field=certified]')].map(c => c.textContent),"
                + "radius: [...r.querySelectorAll('[data-field=radius]')].map(c => c.textContent)}));");
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /**
     * The lifecycle cards read their topics once these appear: the dashboard starts before any of them exists, as
     * it does before the first shadow model, trainer service or swap. The records are built by hand here (the
     * writers have their own tests); what is checked is that the page shows each figure, keeps the final status of
     * a request, and draws an attacker's refusal reason as text.
     */
    @Test
    void shouldShowServingDecisionsTrainingProgressAndComparisonsWhenTheirTopicsAppear() throws Exception {
        String hostile = "<img src=x onerror=\"document.body.dataset.pwned=1\"> digest mismatch";
        long now = System.currentTimeMillis();
        // the explainer creates its status topic itself (it follows its model's name); the others appear here
        try (Admin admin = Admin.create(producerProps())) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = Stream.of("otnn.models.status", "otnn.training.status", "otnn.metrics.comparison")
                    .filter(topic -> !existing.contains(topic))
                    .map(topic -> new NewTopic(topic, 1, (short) 1))
                    .toList();
            admin.createTopics(missing).all().get();
        }
        send("otnn.models.status", "lifecycle/a", TestRecords.serving("lifecycle-a", "fashion-dense", 1, null, 1, now));
        send(
                "otnn.models.status",
                "lifecycle/a",
                TestRecords.serving("lifecycle-a", "fashion-dense", 2, hostile, 1, now + 1));
        send(
                "otnn.training.status",
                "req-7",
                TestRecords.training("req-7", TrainingJobState.RUNNING, 2, 0.71, null, now));
        send(
                "otnn.training.status",
                "req-7",
                TestRecords.training("req-7", TrainingJobState.SUCCEEDED, 5, 0.88, null, now + 2));
        send(
                "otnn.training.status",
                "req-8",
                TestRecords.training("req-8", TrainingJobState.REJECTED, 0, null, "unknown data set 'cifar'", now + 3));
        send("otnn.metrics.comparison", "w", TestRecords.comparison(now - 5_000, 321, 0.9375, 0.625));

        // each value is read in one script: the cards are redrawn whenever a record arrives (the explainer writes
        // its own decisions meanwhile), so an element found in one call may be gone in the next
        String slot = "#serving tr[data-slot='otnn-explainer/lifecycle-a/PRIMARY']";
        // two decisions for the slot (serving v1, then refused v2): wait for the later one, not just the first
        await("the serving decision", () -> "refused v2".equals(text(slot + " [data-field=decision]")));
        assertThat(attr(slot, "data-state")).isEqualTo("REFUSED");
        assertThat(text(slot + " [data-field=servingVersion]")).isEqualTo("fashion-dense v1");
        assertThat(text(slot + " [data-field=decision]")).isEqualTo("refused v2");
        assertThat(text("#refusals tr[data-model='fashion-dense@2'] [data-field=reason]"))
                .isEqualTo(hostile);
        assertThat(js("return document.body.dataset.pwned === undefined"
                        + " && document.querySelectorAll('#refusals img').length === 0"))
                .isEqualTo(true);

        // the real explainer's own decision: it follows its model's name, and the checkpoint announced in
        // startEverything had its otnn-model.json edited (the priors) after its manifest was written, so the
        // explainer refuses it as tampered and keeps serving the one it was given
        await(
                "the explainer's refusal",
                () -> text("#serving tr[data-slot^='dashboard-browser/'][data-state='REFUSED'] td") != null);
        assertThat(js(
                        "return [...document.querySelectorAll('#refusals [data-field=reason]')]"
                                + ".filter(c => c.textContent.includes(arguments[0])"
                                + " && c.textContent.includes('differs from')).length",
                        "announced/otnn-model.json: SHA-256"))
                .isEqualTo(1L);

        await("the training requests", () -> text("#training tr[data-request='req-8'] [data-field=result]") != null);
        String succeeded = "#training tr[data-request='req-7']";
        assertThat(attr(succeeded, "data-state")).isEqualTo("SUCCEEDED");
        assertThat(text(succeeded + " [data-field=epoch]")).isEqualTo("5 / 5");
        assertThat(text(succeeded + " [data-field=result]"))
                .isEqualTo("v2 http://127.0.0.1:1/models/fashion-dense/2.tar.gz");
        assertThat(text("#training tr[data-request='req-8'] [data-field=result]"))
                .isEqualTo("unknown data set 'cifar'");
        assertThat(attr("#training tr[data-request]", "data-request"))
                .as("newest request first")
                .isEqualTo("req-8");

        String row = "#comparisons [data-pair='fashion-dense@1 | fashion-dense@2'] tr.comparison-row";
        await("the comparison window", () -> text(row + " [data-field=comparedCount]") != null);
        assertThat(text(row + " [data-field=comparedCount]")).isEqualTo("321");
        assertThat(text(row + " [data-field=classAgreement]")).isEqualTo("93.8 %");
        assertThat(text(row + " [data-field=certificateDifferenceMean]")).isEqualTo(fixed(0.0125, 4));
        assertThat(text(row + " [data-field=saliencySpearmanMean]")).isEqualTo("0.625");
        assertThat(text(row + " [data-field=sameTargetFraction]")).isEqualTo("75.0 %");
        js("document.getElementById('serving-card').scrollIntoView()");
        Files.write(Path.of("target", "dashboard-lifecycle.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** The text of the first element {@code css} selects, or null when none does: one script, so never stale. */
    private static String text(String css) {
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
    }

    private static String attr(String css, String name) {
        return (String) js(
                "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                css,
                name);
    }

    private static void send(String topic, String key, SpecificRecord record) throws Exception {
        try (SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
                KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(
                        producerProps(),
                        new StringSerializer(),
                        AvroSerdes.generic(registry, false).serializer())) {
            producer.send(new ProducerRecord<>(topic, key, (GenericRecord) record))
                    .get();
        }
    }
}
