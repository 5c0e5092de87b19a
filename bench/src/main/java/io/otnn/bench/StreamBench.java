package io.otnn.bench;

import com.tdunning.math.stats.TDigest;
import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.Explanation;
import io.otnn.avro.Timings;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.testing.Fixtures;
import io.otnn.ingest.source.IdxSource;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.TopicCreator;
import io.otnn.streams.Topics;
import io.otnn.streams.deadletter.RejectedRecordException;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.explaining.ServedModel;
import io.otnn.streams.format.AvroRecordFormat;
import io.otnn.streams.records.CompactTensors;
import io.otnn.streams.records.ImageInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * End-to-end throughput and latency of the stream explainer on the local stack (one broker, the local registry,
 * Avro, exactly-once v2, one stream thread), measured in the same run against two references:
 * <ul>
 *   <li>a pass-through topology on the same broker, serdes and record sizes (parses each ImageEvent, publishes an
 *       Explanation of the same size without calling the model): the ceiling;</li>
 *   <li>the same explainer with {@code batch.max.size=1}: one model call per record.</li>
 * </ul>
 * Usage: {@code StreamBench [images] [batch1Images] [latencySeconds] [idxDir] [modelDir|-] [no-latency]}; the images
 * are the test set's, cycled with fresh ids; the pass-through gets 5× as many. {@code -Dbench.rounds=N} (default 2),
 * {@code -Dbench.cpu=true} (CPU by thread), {@code -Dbench.set.KEY=VALUE} (any explainer or Kafka Streams setting),
 * {@code -Dbench.upstream=true} (how soon a plain consumer reads the images), {@code -Dbench.latencyOnly=RATE} (warm
 * up, then only the micro-batched latency at RATE, {@code bench.rounds} times), {@code -Dbench.endpoints=true} (the
 * micro-batched throughput with the HTTP endpoints off, and on and scraped once per second, in turn),
 * {@code -Dbench.shadow=true} (the micro-batched throughput without and with a shadow model, in turn),
 * {@code -Dbench.buffer=KIND} (the explainer's {@code batching.buffer}: in-memory or changelogged), {@code -Dbench.buffers=in-memory,changelogged}
 * (only the micro-batched explainer, once per buffer in turn: warm-up, {@code bench.rounds} throughput rounds, two
 * latency phases at the same rate for all, half of the slowest buffer's rate),
 * {@code -Dbench.fidelity=0,0.01,0.1}
 * (warm up, then only the micro-batched throughput at each {@code fidelity.sample.rate} in turn, {@code bench.rounds}
 * times, and its ratio to the first rate; {@code -Dbench.fidelity=profile}: only the engine's cost of the measure and
 * the mean µFidelity of 500 images with 25 to 200 subsets).
 */
public final class StreamBench {

    private static final int PARTITIONS = 6;

    private final LocalStack stack;
    private final SchemaRegistryClient registry;
    private final AvroRecordFormat format;
    private final OtnnEngine engine;
    private final List<ImageInput> images;
    private final Path work;
    /** the explainer's batching.buffer, or null for its default */
    private String buffer = System.getProperty("bench.buffer");
    /** the shadow of {@code -Dbench.shadow=true}, loaded at its first use */
    private OtnnEngine shadow;
    /** Settings of the next topologies started, over the defaults and under -Dbench.set.*. */
    private Map<String, Object> overrides = Map.of();

    private StreamBench(LocalStack stack, OtnnEngine engine, List<ImageInput> images) throws Exception {
        this.stack = stack;
        this.registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        this.format = new AvroRecordFormat(registry);
        this.engine = engine;
        this.images = images;
        this.work = Files.createTempDirectory("otnn-bench-");
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int n1 = args.length > 1 ? Integer.parseInt(args[1]) : 3_000;
        int latencySeconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path idx = Path.of(args.length > 3 ? args[3] : "/work/shared/data/fashion-mnist");
        Path model = args.length > 4 && !args[4].equals("-") ? Path.of(args[4]) : Fixtures.denseMnist();
        boolean withLatency = args.length <= 5 || !args[5].equals("no-latency");

        List<ImageInput> images = new ArrayList<>();
        IdxSource.open(idx)
                .forEach(
                        image -> {
                            images.add(new ImageInput(
                                    image.id(),
                                    "RAW_U8",
                                    image.width(),
                                    image.height(),
                                    1,
                                    image.pixels(),
                                    image.label(),
                                    0));
                            return images.size() < n;
                        },
                        skipped -> {});
        int rounds = Integer.getInteger("bench.rounds", 2);
        try (LocalStack stack = LocalStack.start();
                OtnnEngine engine = OtnnEngine.load(model)) {
            StreamBench bench = new StreamBench(stack, engine, images);
            System.out.printf(
                    Locale.ROOT,
                    "model %s v%d (%s), %d Fashion-MNIST test images, %d cores, load %.1f%n",
                    engine.model().name(),
                    engine.model().version(),
                    model,
                    images.size(),
                    Runtime.getRuntime().availableProcessors(),
                    loadAverage());
            bench.modelCallProfile();
            if (Boolean.getBoolean("bench.shadow")) {
                bench.shadowCost(n, rounds);
                bench.closeShadow();
                return;
            }
            if (Boolean.getBoolean("bench.endpoints")) {
                bench.endpointsCost(n, rounds);
                return;
            }
            String buffers = System.getProperty("bench.buffers");
            if (buffers != null) {
                bench.compareBuffers(List.of(buffers.split(",")), n, rounds, latencySeconds, withLatency);
                bench.registry.close();
                return;
            }
            String fidelityRates = System.getProperty("bench.fidelity");
            if (fidelityRates != null) {
                bench.fidelityCost(fidelityRates, n, rounds);
                return;
            }
            if (Boolean.getBoolean("bench.batchedOnly")) {
                // a quick loop for throughput experiments (with -Dbench.cpu=true: CPU by thread): warm up, then the
                // micro-batched throughput alone, each of -Dbench.alternate's settings in turn in every round
                bench.warmUpBatched(n);
                Map<String, List<Result>> results =
                        bench.alternated(rounds, "batched", run -> bench.throughput(run, Mode.BATCHED, n));
                results.forEach((setting, list) -> {
                    Result mean = Result.mean(list);
                    System.out.printf(
                            Locale.ROOT,
                            "%s: mean of %d rounds %,.0f/s, %.0f µs of CPU per image, mean batch %.1f%n",
                            setting,
                            list.size(),
                            mean.rate(),
                            mean.cpuMicros(),
                            mean.meanBatch());
                });
                return;
            }
            String latencyOnly = System.getProperty("bench.latencyOnly");
            if (latencyOnly != null) {
                // a quick loop for latency experiments: warm up, then the micro-batched latency at the given rate,
                // each of -Dbench.alternate's settings in turn in every round
                bench.warmUpBatched(n);
                double rate = Double.parseDouble(latencyOnly);
                Map<String, List<Latency>> results = bench.alternated(
                        rounds, "batched-lat", run -> bench.latency(run, Mode.BATCHED, rate, latencySeconds));
                results.forEach((setting, list) -> System.out.printf(
                        Locale.ROOT,
                        "%s: p50 %s ms, p99 %s ms (rounds in turn)%n",
                        setting,
                        list.stream()
                                .map(l -> String.format(Locale.ROOT, "%.0f", l.p50()))
                                .toList(),
                        list.stream()
                                .map(l -> String.format(Locale.ROOT, "%.0f", l.p99()))
                                .toList()));
                return;
            }
            List<Result> passes = new ArrayList<>();
            List<Result> batcheds = new ArrayList<>();
            List<Result> singles = new ArrayList<>();
            // a warm-up round, not counted: without it the JIT compiler takes most of a core through the first
            // minute, and the first topology measured pays for it
            // the pass-through gets 5× the images: at its rate 30,000 take one second, a handful of commits
            int nPass = 5 * n;
            bench.throughput("warm-pass", Mode.PASS_THROUGH, nPass);
            bench.warmUpBatched(n);
            bench.throughput("warm-single", Mode.BATCH_SIZE_1, n1);
            // the three topologies in turn, `rounds` times, so that a slow phase of the machine hits all of them
            for (int round = 1; round <= rounds; round++) {
                passes.add(bench.throughput("pass" + round, Mode.PASS_THROUGH, nPass));
                batcheds.add(bench.throughput("batched" + round, Mode.BATCHED, n));
                singles.add(bench.throughput("single" + round, Mode.BATCH_SIZE_1, n1));
                System.out.printf(
                        Locale.ROOT,
                        "round %d: micro-batched / pass-through = %.0f %%, " + "micro-batched / batch size 1 = %.1fx%n",
                        round,
                        100 * batcheds.get(round - 1).rate / passes.get(round - 1).rate,
                        batcheds.get(round - 1).rate / singles.get(round - 1).rate);
            }
            Result pass = Result.mean(passes);
            Result batched = Result.mean(batcheds);
            Result single = Result.mean(singles);
            double ceilingFraction = bench.computeCeiling(pass, batched, idx, model);
            Latency none = new Latency(0, Double.NaN, Double.NaN);
            // each latency phase twice, in turn: the first runs code paths the throughput phases did not (the
            // JIT compiles them meanwhile); the table reports the second, both are printed
            Latency passLat = none;
            Latency batchedLat = none;
            Latency singleLat = none;
            for (int round = 1; withLatency && round <= 2; round++) {
                passLat = bench.latency("pass-lat" + round, Mode.PASS_THROUGH, pass.rate / 2, latencySeconds);
                batchedLat = bench.latency("batched-lat" + round, Mode.BATCHED, batched.rate / 2, latencySeconds);
                singleLat = bench.latency("single-lat" + round, Mode.BATCH_SIZE_1, single.rate / 2, latencySeconds);
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "throughput: mean of %d round(s); latency: the second of 2; settings: %s%n",
                    rounds,
                    bench.settings());
            System.out.println(
                    "| topology | sustained explanations/s | mean batch | JVM CPU (cores) "
                            + "| CPU µs per record | model share of a stream thread (mean) | p50 / p99 latency at half rate (ms) |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
            print("pass-through (no model)", pass, passLat);
            print("micro-batched (64, 20 ms)", batched, batchedLat);
            print("batch size 1", single, singleLat);
            System.out.printf(
                    Locale.ROOT,
                    "%nmicro-batched / compute ceiling = %.0f %% (target >= 85 %%); micro-batched / pass-through = "
                            + "%.0f %%; micro-batched / batch size 1 = %.1fx (target >= 5x); "
                            + "micro-batched p50 / p99 at half rate = %.0f / %.0f ms (target <= 50 / 100 ms); "
                            + "load average now %.1f%n",
                    100 * ceilingFraction,
                    100 * batched.rate / pass.rate,
                    batched.rate / single.rate,
                    batchedLat.p50,
                    batchedLat.p99,
                    loadAverage());
            bench.registry.close();
        }
    }

    /**
     * {@code -Dbench.endpoints=true}: the micro-batched explainer with its HTTP endpoints off, and on with /metrics
     * scraped once per second, in turn (off first in odd rounds, on first in even ones), {@code rounds} times after a
     * warm-up of each.
     */
    private void endpointsCost(int n, int rounds) throws Exception {
        Result[] means = alternating(n, rounds, "off", Mode.BATCHED, "scraped", Mode.BATCHED_SCRAPED);
        Result a = means[0];
        Result b = means[1];
        System.out.printf(
                Locale.ROOT,
                "%nendpoints off: %.0f explanations/s (JVM CPU %.2f cores); "
                        + "on, /metrics scraped every second: %.0f explanations/s (JVM CPU %.2f cores); "
                        + "on / off = %.3f (mean of %d round(s); load average now %.1f)%n",
                a.rate,
                a.cores,
                b.rate,
                b.cores,
                b.rate / a.rate,
                rounds,
                loadAverage());
    }

    /**
     * Both modes warmed up once, then {@code rounds} measured rounds of each in turn (a first in odd rounds, b first in
     * even ones), so that the JIT's progress through the run favours neither; the means of a's and of b's rounds.
     */
    private Result[] alternating(int n, int rounds, String aName, Mode aMode, String bName, Mode bMode)
            throws Exception {
        throughput("warm-" + aName, aMode, n);
        throughput("warm-" + bName, bMode, n);
        List<Result> a = new ArrayList<>();
        List<Result> b = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            if (round % 2 == 1) {
                a.add(throughput(aName + round, aMode, n));
                b.add(throughput(bName + round, bMode, n));
            } else {
                b.add(throughput(bName + round, bMode, n));
                a.add(throughput(aName + round, aMode, n));
            }
        }
        return new Result[] {Result.mean(a), Result.mean(b)};
    }

    /**
     * {@code -Dbench.shadow=true}: the micro-batched explainer without and with a shadow model (one more model call
     * per batch, the shadow's explanations and the comparison windows), in turn (without first in odd rounds, with
     * first in even ones), {@code rounds} times after a warm-up of each. The shadow is
     * {@code -Dbench.shadow.model=DIR}, by default explain-core's second dense fixture (same shape as the first).
     */
    private void shadowCost(int n, int rounds) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "shadow model %s v%d%n",
                shadowEngine().model().name(),
                shadowEngine().model().version());
        Result[] means = alternating(n, rounds, "without", Mode.BATCHED, "shadow", Mode.BATCHED_SHADOW);
        Result a = means[0];
        Result b = means[1];
        System.out.printf(
                Locale.ROOT,
                "%nwithout a shadow: %.0f explanations/s (JVM CPU %.2f cores, primary model share %.0f %%); "
                        + "with a shadow: %.0f explanations/s (JVM CPU %.2f cores, primary model share %.0f %%); "
                        + "with / without = %.3f (mean of %d round(s); load average now %.1f)%n",
                a.rate,
                a.cores,
                100 * a.modelShare,
                b.rate,
                b.cores,
                100 * b.modelShare,
                b.rate / a.rate,
                rounds,
                loadAverage());
    }

    private OtnnEngine shadowEngine() {
        if (shadow == null) {
            String dir = System.getProperty("bench.shadow.model");
            shadow = OtnnEngine.load(dir != null ? Path.of(dir) : Fixtures.denseMnistOther());
        }
        return shadow;
    }

    private void closeShadow() {
        if (shadow != null) {
            shadow.close();
        }
    }

    /** Scrapes {@code url}/metrics once per second until closed; prints how many scrapes and bytes at the end. */
    private static AutoCloseable scrapeEverySecond(java.net.URI url) {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request =
                java.net.http.HttpRequest.newBuilder(url.resolve("/metrics")).build();
        java.util.concurrent.ScheduledExecutorService scraper =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicLong scrapes = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        scraper.scheduleAtFixedRate(
                () -> {
                    try {
                        bytes.addAndGet(client.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray())
                                .body()
                                .length);
                        scrapes.incrementAndGet();
                    } catch (Exception e) {
                        System.out.println("  scrape failed: " + e);
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
        return () -> {
            scraper.shutdownNow();
            System.out.printf(
                    Locale.ROOT,
                    "  %d scrapes of %s, %.0f kB each%n",
                    scrapes.get(),
                    url,
                    scrapes.get() == 0 ? 0.0 : bytes.get() / 1e3 / scrapes.get());
        };
    }

    /**
     * The micro-batched explainer with each batching buffer, in turn at every step so that a slow phase of the
     * machine hits all of them: a warm-up each, {@code rounds} throughput rounds, then two latency phases each at the
     * same rate (half of the slowest buffer's mean rate).
     */
    private void compareBuffers(List<String> buffers, int n, int rounds, int latencySeconds, boolean withLatency)
            throws Exception {
        for (String b : buffers) {
            buffer = b;
            throughput("warm-" + b, Mode.BATCHED, n);
        }
        Map<String, List<Result>> results = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (String b : buffers) {
                buffer = b;
                results.computeIfAbsent(b, k -> new ArrayList<>()).add(throughput(b + round, Mode.BATCHED, n));
            }
        }
        double rate = results.values().stream()
                        .mapToDouble(r -> Result.mean(r).rate)
                        .min()
                        .orElseThrow()
                / 2;
        Map<String, List<Latency>> latencies = new java.util.LinkedHashMap<>();
        for (int round = 1; withLatency && round <= 2; round++) {
            for (String b : buffers) {
                buffer = b;
                latencies
                        .computeIfAbsent(b, k -> new ArrayList<>())
                        .add(latency(b + "-lat" + round, Mode.BATCHED, rate, latencySeconds));
            }
        }
        buffer = null;
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "micro-batched (64, 20 ms) by batching.buffer; throughput: each of %d round(s) "
                        + "and their mean; latency at %,.0f/s, 1st and 2nd phase; settings: %s; load average now %.1f%n",
                rounds,
                rate,
                settings(),
                loadAverage());
        System.out.println("| batching.buffer | explanations/s (rounds) | mean | mean batch | JVM CPU (cores) "
                + "| model share | p50 / p99 latency (ms), 1st and 2nd phase |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | --- |");
        for (String b : buffers) {
            List<Result> r = results.get(b);
            Result mean = Result.mean(r);
            String each = r.stream()
                    .map(x -> String.format(Locale.ROOT, "%,.0f", x.rate))
                    .collect(java.util.stream.Collectors.joining(", "));
            String lat = latencies.getOrDefault(b, List.of()).stream()
                    .map(l -> String.format(Locale.ROOT, "%.0f / %.0f", l.p50, l.p99))
                    .collect(java.util.stream.Collectors.joining(" and "));
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %,.0f | %.1f | %.2f | %.0f %% | %s |%n",
                    b,
                    each,
                    mean.rate,
                    mean.meanBatch,
                    mean.cores,
                    100 * mean.modelShare,
                    lat);
        }
    }

    /**
     * The micro-batched throughput at each fidelity sample rate, in turn, {@code rounds} times after a warm-up round,
     * and the cost of measuring one image alone.
     */
    private void fidelityCost(String rateList, int n, int rounds) throws Exception {
        fidelityProfile();
        if (rateList.equals("profile")) {
            return;
        }
        List<Double> rates = java.util.Arrays.stream(rateList.split(","))
                .map(String::trim)
                .map(Double::valueOf)
                .toList();
        Map<Double, List<Result>> results = new java.util.LinkedHashMap<>();
        for (int round = 0; round <= rounds; round++) {
            for (double rate : rates) {
                overrides = Map.of(ExplainerConfig.FIDELITY_SAMPLE_RATE_CONFIG, rate);
                String run =
                        (round == 0 ? "warm-fid" : "fid") + String.valueOf(rate).replace('.', '_') + "-" + round;
                Result r = throughput(run, Mode.BATCHED, n);
                if (round > 0) {
                    results.computeIfAbsent(rate, k -> new ArrayList<>()).add(r);
                }
            }
        }
        overrides = Map.of();
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "micro-batched throughput by fidelity.sample.rate: mean of %d round(s) after a "
                        + "warm-up round; settings: %s; load average now %.1f%n",
                rounds,
                settings(),
                loadAverage());
        System.out.println("| fidelity.sample.rate | sustained explanations/s | each round | / rate " + rates.get(0)
                + " | JVM CPU (cores) | model share of a stream thread (mean) |");
        System.out.println("| ---: | ---: | --- | ---: | ---: | ---: |");
        double reference = Result.mean(results.get(rates.get(0))).rate;
        for (double rate : rates) {
            Result mean = Result.mean(results.get(rate));
            String each = results.get(rate).stream()
                    .map(r -> String.format(Locale.ROOT, "%,.0f", r.rate))
                    .collect(java.util.stream.Collectors.joining(", "));
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f | %s | %.2f | %.2f | %.0f %% |%n",
                    rate,
                    mean.rate,
                    each,
                    mean.rate / reference,
                    mean.cores,
                    100 * mean.modelShare);
        }
    }

    /** The engine alone: the median time to measure the fidelity of 1 and of 64 images (one forward pass). */
    private void fidelityProfile() {
        ImageDecoder validator = new ImageDecoder(engine.model().input(), 1 << 20);
        io.otnn.streams.fidelity.FidelitySettings settings =
                new ExplainerConfig(props("profile", Mode.BATCHED)).fidelitySettings();
        try (BatchExplainer explainer = engine.newExplainer()) {
            io.otnn.streams.fidelity.OnlineFidelity fidelity = new io.otnn.streams.fidelity.OnlineFidelity(
                    settings, engine.model().input(), explainer::logits);
            for (int size : new int[] {1, 64}) {
                float[][] batch = new float[size][];
                for (int i = 0; i < size; i++) {
                    batch[i] = decode(validator, images.get(i));
                }
                List<io.otnn.explain.ImageExplanation> results = explainer.explain(batch);
                List<io.otnn.streams.fidelity.OnlineFidelity.Sample> samples = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    samples.add(new io.otnn.streams.fidelity.OnlineFidelity.Sample(
                            images.get(i).imageId(),
                            batch[i],
                            results.get(i).predicted(),
                            results.get(i).saliency()));
                }
                int repeats = size == 1 ? 50 : 5;
                for (int w = 0; w < repeats / 2; w++) {
                    fidelity.score(samples);
                }
                double[] ms = new double[repeats];
                for (int r = 0; r < ms.length; r++) {
                    long t = System.nanoTime();
                    fidelity.score(samples);
                    ms[r] = (System.nanoTime() - t) / 1e6;
                }
                java.util.Arrays.sort(ms);
                System.out.printf(
                        Locale.ROOT,
                        "engine alone: fidelity of %d image(s) (%d subsets, %d deletion steps: "
                                + "%d rows each) median %.2f ms (%.3f ms/image)%n",
                        size,
                        settings.muFidelitySamples(),
                        settings.deletionSteps(),
                        settings.rowsPerImage(),
                        ms[ms.length / 2],
                        ms[ms.length / 2] / size);
            }
            // what fewer subsets change: the mean µFidelity of the same images with 25 to 200 (Xplique's default)
            // subsets, and the spread of one image's value
            int count = Math.min(500, images.size());
            List<io.otnn.streams.fidelity.OnlineFidelity.Sample> samples = new ArrayList<>();
            for (int start = 0; start < count; start += 64) {
                float[][] batch = new float[Math.min(64, count - start)][];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = decode(validator, images.get(start + i));
                }
                List<io.otnn.explain.ImageExplanation> results = explainer.explain(batch);
                for (int i = 0; i < batch.length; i++) {
                    samples.add(new io.otnn.streams.fidelity.OnlineFidelity.Sample(
                            images.get(start + i).imageId(),
                            batch[i],
                            results.get(i).predicted(),
                            results.get(i).saliency()));
                }
            }
            for (int subsets : new int[] {25, 50, 100, 200}) {
                // each image draws its own subsets (from fidelity.seed and its id): other seeds show how much the
                // mean over the images still depends on the draw
                int seeds = subsets == 50 || subsets == 200 ? 4 : 1;
                double[] means = new double[seeds];
                double sd = 0;
                double deletionMean = 0;
                for (int seed = 0; seed < seeds; seed++) {
                    io.otnn.streams.fidelity.FidelitySettings s = new io.otnn.streams.fidelity.FidelitySettings(
                            1.0,
                            subsets,
                            settings.grid(),
                            settings.subsetFraction(),
                            settings.baseline(),
                            settings.deletionSteps(),
                            settings.seed() + seed);
                    io.otnn.streams.fidelity.OnlineFidelity f = new io.otnn.streams.fidelity.OnlineFidelity(
                            s, engine.model().input(), explainer::logits);
                    double[] mu = new double[count];
                    double[] deletion = new double[count];
                    for (int start = 0; start < count; start += 16) {
                        List<io.otnn.streams.fidelity.OnlineFidelity.Score> scores =
                                f.score(samples.subList(start, Math.min(count, start + 16)));
                        for (int i = 0; i < scores.size(); i++) {
                            mu[start + i] = scores.get(i).muFidelity();
                            deletion[start + i] = scores.get(i).deletionAuc();
                        }
                    }
                    double mean = java.util.Arrays.stream(mu).average().orElseThrow();
                    means[seed] = mean;
                    if (seed == 0) {
                        sd = Math.sqrt(java.util.Arrays.stream(mu)
                                        .map(v -> (v - mean) * (v - mean))
                                        .sum()
                                / (count - 1));
                        deletionMean =
                                java.util.Arrays.stream(deletion).average().orElseThrow();
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "µFidelity with %d subsets over %d images: mean %.4f (standard error "
                                + "%.4f), standard deviation between images %.3f; Deletion AUC mean %.4f%s%n",
                        subsets,
                        count,
                        means[0],
                        sd / Math.sqrt(count),
                        sd,
                        deletionMean,
                        seeds == 1
                                ? ""
                                : "; the mean with seeds 0.." + (seeds - 1) + ": "
                                        + java.util.Arrays.toString(java.util.Arrays.stream(means)
                                                .map(m -> Math.round(m * 1e4) / 1e4)
                                                .toArray()));
            }
        }
    }

    /** The settings every topology of this run shares (commit interval and any -Dbench.set.KEY=VALUE). */
    private String settings() {
        ExplainerConfig config = new ExplainerConfig(props("settings", Mode.BATCHED));
        Properties streams = config.streamsProperties();
        Map<String, Object> shown = new java.util.TreeMap<>();
        shown.put(
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                streams.getOrDefault(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "Kafka Streams default"));
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("bench.set."))
                .forEach(k -> shown.put(k.substring("bench.set.".length()), System.getProperty(k)));
        return shown.toString();
    }

    private static void print(String name, Result r, Latency l) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %,.0f | %.1f | %.2f | %.0f | %s | %.0f / %.0f (at %,.0f/s) |%n",
                name,
                r.rate,
                r.meanBatch,
                r.cores,
                r.cpuMicrosPerRecord(),
                Double.isNaN(r.modelShare) ? "—" : String.format(Locale.ROOT, "%.0f %%", 100 * r.modelShare),
                l.p50,
                l.p99,
                l.rate);
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * {@code BATCHED_SCRAPED}: the micro-batched explainer with its HTTP endpoints on, /metrics scraped every second;
     * {@code BATCHED_SHADOW}: the micro-batched explainer with a shadow model compared on every image.
     */
    enum Mode {
        PASS_THROUGH,
        BATCHED,
        BATCH_SIZE_1,
        BATCHED_SCRAPED,
        BATCHED_SHADOW
    }

    /**
     * @param modelShare model-call time per wall second of the run, divided by the stream threads (each makes its own
     *     calls): the mean share of a stream thread's time spent in the model
     * @param cores CPU time of this JVM (broker, registry, topology, reader) per wall second between the 10th and
     *     90th percentile outputs' append times, the span of {@code rate}
     * @param cpuMicros process CPU per output record over the same span
     */
    record Result(double rate, double meanBatch, double modelShare, double cores, double jitCores, double cpuMicros) {

        static Result mean(List<Result> results) {
            return new Result(
                    results.stream().mapToDouble(Result::rate).average().orElseThrow(),
                    results.stream().mapToDouble(Result::meanBatch).average().orElseThrow(),
                    results.stream().mapToDouble(Result::modelShare).average().orElseThrow(),
                    results.stream().mapToDouble(Result::cores).average().orElseThrow(),
                    results.stream().mapToDouble(Result::jitCores).average().orElseThrow(),
                    results.stream().mapToDouble(Result::cpuMicros).average().orElseThrow());
        }

        /** CPU microseconds per output record. */
        double cpuMicrosPerRecord() {
            return cpuMicros;
        }
    }

    /** CPU nanoseconds of every live Java thread, by thread name. */
    private static Map<Long, Map.Entry<String, Long>> threadCpu() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Map.Entry<String, Long>> cpu = new HashMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long nanos = threads.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0) {
                    cpu.put(info.getThreadId(), Map.entry(info.getThreadName(), nanos));
                }
            }
        }
        return cpu;
    }

    /**
     * Where the CPU went between two snapshots: Java threads grouped by name (digits dropped), and the rest of
     * the process (TensorFlow's own native threads, GC and JIT threads are Java-invisible or named).
     */
    private static String cpuBreakdown(
            Map<Long, Map.Entry<String, Long>> before,
            Map<Long, Map.Entry<String, Long>> after,
            long processNanos,
            double seconds) {
        Map<String, Long> groups = new HashMap<>();
        long javaTotal = 0;
        for (var entry : after.entrySet()) {
            long start = before.containsKey(entry.getKey())
                    ? before.get(entry.getKey()).getValue()
                    : 0;
            long used = entry.getValue().getValue() - start;
            String group = entry.getValue()
                    .getKey()
                    .replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "*")
                    .replaceAll("[0-9]+", "#");
            groups.merge(group, used, Long::sum);
            javaTotal += used;
        }
        groups.put("(not a Java thread: TensorFlow)", Math.max(0, processNanos - javaTotal));
        StringBuilder out = new StringBuilder();
        groups.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(8)
                .forEach(e -> out.append(
                        String.format(Locale.ROOT, "%n    %5.2f cores  %s", e.getValue() / 1e9 / seconds, e.getKey())));
        return out.toString();
    }

    private static long jitMillis() {
        return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    record Latency(double rate, double p50, double p99) {}

    /**
     * Warm-up rounds of the micro-batched explainer until the JIT compiler is nearly done (under 0.2 core through a
     * round), at most {@code -Dbench.warmups} (default 4) rounds: a long-running explainer runs compiled code, and on
     * 2 cores a compiler still busy with a core would be measured as the explainer's cost.
     */
    private void warmUpBatched(int n) throws Exception {
        int most = Integer.getInteger("bench.warmups", 4);
        for (int round = 1; round <= most; round++) {
            Result warm = throughput("warm-batched" + round, Mode.BATCHED, n);
            if (warm.jitCores < 0.2) return;
        }
    }

    /**
     * The compute ceiling of the explainer on this machine, printed with its parts: cores ÷ (the pass-through's CPU
     * per record + the full model call's CPU per image at the explainer's mean batch size). The model call is
     * measured on the stream's engine in this JVM (TensorFlow's threads as this JVM has them) and, in a JVM of its
     * own, with one TensorFlow thread; the cheaper of the two is used, so the ceiling is the higher one.
     *
     * @return the micro-batched throughput as a fraction of the ceiling
     */
    private double computeCeiling(Result pass, Result batched, Path idx, Path model) throws Exception {
        int batch = Math.max(1, (int) Math.round(batched.meanBatch));
        ImageDecoder validator = new ImageDecoder(engine.model().input(), 1 << 20);
        float[][] x = new float[batch][];
        for (int i = 0; i < batch; i++) x[i] = decode(validator, images.get(i));
        double idle = ModelCallCost.idleCpuNanosPerSecond(1000);
        String threads = System.getProperty("ai.djl.tensorflow.num_intraop_threads", "default (all cores)");
        ModelCallCost.Cost here = ModelCallCost.measure(engine, x, 3, idle, threads);
        ModelCallCost.Cost one = ModelCallCost.inChildJvm(model, idx, batch, 3, 1);
        double passMicros = pass.cpuMicrosPerRecord();
        double modelMicros = Math.min(here.cpuMicros(), one.cpuMicros());
        int cores = Runtime.getRuntime().availableProcessors();
        double ceiling = cores / ((passMicros + modelMicros) / 1e6);
        System.out.printf(
                Locale.ROOT,
                "%ncompute ceiling: pass-through %.1f µs CPU per record (%.2f cores at %,.0f/s); %s (this JVM's "
                        + "engine, idle CPU %.2f core subtracted); %s (a JVM of its own)%n"
                        + "ceiling = %d cores / (%.1f + %.1f µs) = %,.0f/s; micro-batched %,.0f/s at %.2f cores "
                        + "(%.1f µs CPU per image) = %.0f %% of the ceiling%n",
                passMicros,
                pass.cores,
                pass.rate,
                here.describe(),
                idle / 1e9,
                one.describe(),
                cores,
                passMicros,
                modelMicros,
                ceiling,
                batched.rate,
                batched.cores,
                batched.cpuMicrosPerRecord(),
                100 * batched.rate / ceiling);
        return batched.rate / ceiling;
    }

    /** The engine alone: median model call for 1 and 64 images. */
    private void modelCallProfile() {
        ImageDecoder validator = new ImageDecoder(engine.model().input(), 1 << 20);
        try (BatchExplainer explainer = engine.newExplainer()) {
            for (int size : new int[] {1, 64}) {
                float[][] batch = new float[size][];
                for (int i = 0; i < size; i++) {
                    batch[i] = decode(validator, images.get(i));
                }
                for (int w = 0; w < 20; w++) {
                    explainer.explain(batch);
                }
                double[] ms = new double[50];
                for (int r = 0; r < ms.length; r++) {
                    long t = System.nanoTime();
                    explainer.explain(batch);
                    ms[r] = (System.nanoTime() - t) / 1e6;
                }
                java.util.Arrays.sort(ms);
                System.out.printf(
                        Locale.ROOT,
                        "engine alone: explain(%d) median %.2f ms (%.3f ms/image)%n",
                        size,
                        ms[ms.length / 2],
                        ms[ms.length / 2] / size);
            }
        }
    }

    private static float[] decode(ImageDecoder validator, ImageInput image) {
        try {
            return image.decodeWith(validator);
        } catch (RejectedRecordException e) {
            throw new IllegalStateException(e);
        }
    }

    private Topics topics(String run) {
        return Topics.of(
                run + "-images", run + "-explanations", run + "-dlq", run + "-metrics", run + "-models", format);
    }

    private Map<String, Object> props(String run, Mode mode) {
        Map<String, Object> props = new HashMap<>();
        props.put(ExplainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ExplainerConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ExplainerConfig.APPLICATION_ID_CONFIG, "bench-" + run);
        props.put(ExplainerConfig.TOPIC_IMAGES_CONFIG, run + "-images");
        props.put(ExplainerConfig.TOPIC_EXPLANATIONS_CONFIG, run + "-explanations");
        props.put(ExplainerConfig.TOPIC_DEAD_LETTERS_CONFIG, run + "-dlq");
        props.put(ExplainerConfig.TOPIC_METRICS_CONFIG, run + "-metrics");
        props.put(ExplainerConfig.TOPIC_MODELS_CONFIG, run + "-models");
        props.put(ExplainerConfig.TOPIC_IMAGES_PARTITIONS_CONFIG, PARTITIONS);
        props.put(ExplainerConfig.BATCH_MAX_SIZE_CONFIG, mode == Mode.BATCH_SIZE_1 ? 1 : 64);
        props.put(ExplainerConfig.BATCH_MAX_WAIT_MS_CONFIG, mode == Mode.BATCH_SIZE_1 ? 0L : 20L);
        props.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve(run).toString());
        if (mode == Mode.BATCHED_SCRAPED) {
            props.put(ExplainerConfig.HTTP_PORT_CONFIG, 0);
        }
        if (mode == Mode.BATCHED_SHADOW) {
            props.put(ExplainerConfig.TOPIC_EXPLANATIONS_SHADOW_CONFIG, run + "-shadow");
            props.put(ExplainerConfig.TOPIC_METRICS_COMPARISON_CONFIG, run + "-comparison");
        }
        if (buffer != null) {
            props.put(ExplainerConfig.BATCHING_BUFFER_CONFIG, buffer);
        }
        props.putAll(overrides);
        // any explainer or Kafka Streams setting to try: -Dbench.set.commit.interval.ms=50
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("bench.set."))
                .forEach(k -> props.put(k.substring("bench.set.".length()), System.getProperty(k)));
        return props;
    }

    /** One measured phase of a run, named for its topics and application id. */
    @FunctionalInterface
    private interface Phase<T> {
        T run(String name) throws Exception;
    }

    /**
     * {@code rounds} rounds of {@code phase}, each round running every setting of {@link #alternatives} in turn;
     * the results by setting, in round order.
     */
    private <T> Map<String, List<T>> alternated(int rounds, String prefix, Phase<T> phase) throws Exception {
        Map<String, List<T>> results = new java.util.LinkedHashMap<>();
        for (int i = 1; i <= rounds; i++) {
            char name = 'a';
            for (Map.Entry<String, Map<String, Object>> setting : alternatives().entrySet()) {
                overrides = setting.getValue();
                System.out.println("setting " + name + ": " + setting.getKey());
                results.computeIfAbsent(setting.getKey(), v -> new ArrayList<>())
                        .add(phase.run(prefix + i + name++));
            }
        }
        overrides = Map.of();
        return results;
    }

    /**
     * The settings {@code -Dbench.alternate} names, each run in turn: alternatives separated by {@code ,}, each a list
     * of {@code key=value} joined by {@code &} ({@code batch.max.wait.ms=20&commit.interval.ms=50,batch.max.wait.ms=5});
     * without it, the defaults alone.
     */
    private static Map<String, Map<String, Object>> alternatives() {
        String spec = System.getProperty("bench.alternate", "");
        Map<String, Map<String, Object>> out = new java.util.LinkedHashMap<>();
        if (spec.isBlank()) {
            out.put("defaults", Map.of());
            return out;
        }
        for (String alternative : spec.split(",")) {
            Map<String, Object> settings = new java.util.LinkedHashMap<>();
            for (String pair : alternative.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("bench.alternate: not key=value: " + pair);
                }
                settings.put(kv[0].trim(), kv[1].trim());
            }
            out.put(alternative, settings);
        }
        return out;
    }

    /** Starts the topology of {@code mode}; the returned closeable stops it. */
    /** A started topology: its Kafka Streams (for its metrics) and how to stop it. */
    private record Running(KafkaStreams streams, AutoCloseable closer) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            closer.close();
        }

        /** The stream thread's own timings: where a stall of the thread went. */
        String threadTimings() {
            StringBuilder out = new StringBuilder();
            for (String name : List.of("poll", "process", "punctuate", "commit")) {
                double avg = Double.NaN;
                double max = Double.NaN;
                for (var metric : streams.metrics().values()) {
                    if (!metric.metricName().group().equals("stream-thread-metrics")) {
                        continue;
                    }
                    if (metric.metricName().name().equals(name + "-latency-avg")) {
                        avg = ((Number) metric.metricValue()).doubleValue();
                    } else if (metric.metricName().name().equals(name + "-latency-max")) {
                        max = ((Number) metric.metricValue()).doubleValue();
                    }
                }
                out.append(String.format(Locale.ROOT, " %s avg %.1f / max %.0f ms;", name, avg, max));
            }
            return out.toString();
        }

        /** The active tasks of each stream thread, e.g. {@code [0_0 0_2 0_4 1_0] [0_1 0_3 0_5]}. */
        String tasksPerThread() {
            return streams.metadataForLocalThreads().stream()
                    .sorted(java.util.Comparator.comparing(org.apache.kafka.streams.ThreadMetadata::threadName))
                    .map(t -> t.activeTasks().stream()
                            .map(task -> task.taskId().toString())
                            .sorted()
                            .collect(java.util.stream.Collectors.joining(" ", "[", "]")))
                    .collect(java.util.stream.Collectors.joining(" "));
        }
    }

    static long gcMillis() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime)
                .sum();
    }

    private Running start(String run, Mode mode) throws Exception {
        Map<String, Object> props = props(run, mode);
        if (mode != Mode.PASS_THROUGH) {
            StreamExplainerApp.Builder builder =
                    StreamExplainerApp.builder().setProperties(props).optEngine(engine);
            if (mode == Mode.BATCHED_SHADOW) {
                builder.optShadow(ServedModel.fixed(shadowEngine()));
            }
            StreamExplainerApp app = builder.build().start();
            if (!app.awaitRunning(Duration.ofSeconds(120))) {
                throw new IllegalStateException("explainer not running");
            }
            if (mode == Mode.BATCHED_SCRAPED) {
                AutoCloseable scraper = scrapeEverySecond(app.monitoring().url().orElseThrow());
                return new Running(app.streams(), () -> {
                    scraper.close();
                    app.close();
                });
            }
            return new Running(app.streams(), app);
        }
        ExplainerConfig config = new ExplainerConfig(props);
        Topics topics = topics(run);
        TopicCreator.createMissing(config.clientProperties(), TopicCreator.plan(config, topics));
        // one template per stream thread: Avro's deep copy of a bytes field moves the ByteBuffer's position while
        // it reads, so two threads copying one template race (BufferUnderflowException)
        ThreadLocal<Explanation> template = ThreadLocal.withInitial(this::template);
        var explanationSerde = topics.explanations().valueSerde();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.images().name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .mapValues((key, value) -> {
                    try {
                        ImageInput image = format.readImage(topics.images().name(), null, value);
                        return withId(template.get(), image);
                    } catch (RejectedRecordException e) {
                        return null;
                    }
                })
                .filter((key, value) -> value != null)
                .selectKey((key, value) -> value.getImageId())
                .to(topics.explanations().name(), Produced.with(Serdes.String(), explanationSerde));
        Properties streamsProps = config.streamsProperties();
        KafkaStreams streams = new KafkaStreams(builder.build(), streamsProps);
        streams.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return new Running(streams, streams::close);
    }

    /** An explanation of the right size (a real one, for the first image) to be re-keyed by the pass-through. */
    private Explanation template() {
        ModelMetadata m = engine.model();
        ImageDecoder validator = new ImageDecoder(m.input(), 1 << 20);
        ImageInput first = images.get(0);
        try (BatchExplainer explainer = engine.newExplainer()) {
            ImageExplanation r =
                    explainer.explain(new float[][] {decode(validator, first)}).get(0);
            List<Float> scores = new ArrayList<>();
            for (float s : r.scores()) {
                scores.add(s);
            }
            return Explanation.newBuilder()
                    .setImageId(first.imageId())
                    .setEventTime(Instant.ofEpochMilli(0))
                    .setModelName(m.name())
                    .setModelVersion(m.version())
                    .setLabel(first.label())
                    .setPredictedClass(r.predicted())
                    .setPredictedClassName(r.predictedName())
                    .setRunnerUpClass(r.runnerUp())
                    .setRunnerUpClassName(r.runnerUpName())
                    .setScores(scores)
                    .setCertificate(Certificate.newBuilder()
                            .setRadius(r.radius())
                            .setMargin(r.margin())
                            .setFactor(r.certificateFactor())
                            .setLipschitz(r.lipschitz())
                            .build())
                    .setSaliency(CompactTensors.encode(
                            r.saliency(),
                            m.input().height(),
                            m.input().width(),
                            m.input().channels()))
                    .setCounterfactual(Counterfactual.newBuilder()
                            .setTargetClass(r.runnerUp())
                            .setTargetClassName(r.runnerUpName())
                            .setT(r.t())
                            .setDistance(r.distance())
                            .setBoundaryDistance(r.boundaryDistance())
                            .setImage(CompactTensors.encode(
                                    r.counterfactual(),
                                    m.input().height(),
                                    m.input().width(),
                                    m.input().channels()))
                            .setPredictedClass(r.counterfactualClass())
                            .setBoundaryResidual(r.boundaryResidual())
                            .build())
                    .setTimings(Timings.newBuilder()
                            .setQueuedMs(0)
                            .setModelMs(0)
                            .setTotalMs(0)
                            .build())
                    .setBatchSize(1)
                    .setExplainerInstance("pass-through")
                    .build();
        }
    }

    private static Explanation withId(Explanation t, ImageInput image) {
        return Explanation.newBuilder(t)
                .setImageId(image.imageId())
                .setLabel(image.label())
                .setEventTime(Instant.ofEpochMilli(image.eventTime()))
                .build();
    }

    private KafkaProducer<byte[], byte[]> producer() {
        // not idempotent: on the embedded broker, fresh partitions answer "not a replica" for a moment and an
        // idempotent producer can then stall on OUT_OF_ORDER_SEQUENCE_NUMBER; one request in flight keeps order
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        false,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        1,
                        ProducerConfig.LINGER_MS_CONFIG,
                        1,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        262_144),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /**
     * A read_committed reader of every partition of {@code topic}, positioned at the start before the topology runs
     * (assigned, not subscribed: a group join that ends after the first outputs would make them arrive in a burst).
     */
    private KafkaConsumer<byte[], byte[]> consumer(String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<org.apache.kafka.common.TopicPartition> partitions =
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition()))
                        .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    /** Makes the broker stamp each record of {@code topic} with its append time (the throughput runs only). */
    private void timeOutputsByAppend(String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            var entry = new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry(
                            org.apache.kafka.common.config.TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(entry)))
                    .all()
                    .get();
        }
    }

    private void createImagesTopic(String run, Mode mode) {
        ExplainerConfig config = new ExplainerConfig(props(run, mode));
        TopicCreator.createMissing(config.clientProperties(), TopicCreator.plan(config, topics(run)));
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    var description = admin.describeTopics(List.of(run + "-images"))
                            .allTopicNames()
                            .get()
                            .get(run + "-images");
                    if (description.partitions().stream().allMatch(p -> p.leader() != null)) {
                        break;
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    // not yet
                }
                Thread.sleep(100);
            }
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The i-th image of a run: the test images in turn, with a distinct id on every pass over them. */
    private ImageInput image(int i) {
        ImageInput source = images.get(i % images.size());
        String id = i < images.size() ? source.imageId() : source.imageId() + "#" + i / images.size();
        return new ImageInput(
                id,
                source.encoding(),
                source.width(),
                source.height(),
                source.channels(),
                source.data(),
                source.label(),
                source.eventTime());
    }

    /**
     * Pre-loads {@code count} images, starts the topology, and reads the committed outputs. The outputs are timed by
     * the broker's append time ({@code LogAppendTime} on the output topic), not by when the reader sees them: a
     * transaction becomes visible only at its commit, and a fast topology's transactions can grow to tens of
     * thousands of records, so read times measure the commits' chunks. The rate is taken between the 10th and the
     * 90th percentile appended outputs (steady state: no start-up, no last transaction), and the process CPU over the
     * same instants, from a timeline sampled while the topology runs.
     */
    private static final int DECODE_EVERY = 16;

    private Result throughput(String run, Mode mode, int count) throws Exception {
        createImagesTopic(run, mode);
        timeOutputsByAppend(run + "-explanations");
        String imagesTopic = run + "-images";
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++) {
                ImageInput image = withTime(image(i), now);
                sends.add(producer.send(new ProducerRecord<>(
                        imagesTopic,
                        null,
                        now,
                        image.imageId().getBytes(StandardCharsets.UTF_8),
                        format.writeImage(imagesTopic, image))));
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }
        }
        var explanationSerde = topics(run).explanations().valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(run + "-explanations");
                CpuTimeline cpu = CpuTimeline.start();
                Running app = start(run, mode)) {
            long first = 0;
            long last = 0;
            long[] times = new long[count];
            long firstCpu = 0;
            long firstJit = 0;
            Map<Long, Map.Entry<String, Long>> firstThreads = Map.of();
            int seen = 0;
            double modelMs = 0;
            double batchSum = 0;
            int decoded = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (seen < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (seen == 0) {
                        first = now;
                        firstCpu = ModelCallCost.processCpuNanos();
                        firstJit = jitMillis();
                        firstThreads = threadCpu();
                    }
                    last = now;
                    if (seen < count) {
                        times[seen] = r.timestamp();
                    }
                    // one explanation in DECODE_EVERY is decoded for its batch size and model time: decoding them
                    // all would put the reader's Avro work on the explainer's CPU, which the pass-through is spared
                    if (mode != Mode.PASS_THROUGH && seen % DECODE_EVERY == 0) {
                        Explanation e = explanationSerde.deserialize(r.topic(), r.value());
                        modelMs += e.getTimings().getModelMs() / e.getBatchSize();
                        batchSum += e.getBatchSize();
                        decoded++;
                    }
                    seen++;
                }
            }
            if (seen < count) {
                throw new IllegalStateException(run + ": " + seen + " of " + count + " explanations after 10 min");
            }
            double seconds = (last - first) / 1e9;
            long processNanos = ModelCallCost.processCpuNanos() - firstCpu;
            long jitMs = jitMillis() - firstJit;
            double cores = processNanos / 1e9 / seconds;
            if (Boolean.getBoolean("bench.cpu")) {
                System.out.println(
                        run + " CPU by thread:" + cpuBreakdown(firstThreads, threadCpu(), processNanos, seconds));
            }
            // outputs of different partitions are read out of append order
            Arrays.sort(times);
            int from = count / 10;
            int to = count * 9 / 10;
            double appendSeconds = Math.max(1, times[to] - times[from]) / 1e3;
            double rate = (to - from) / appendSeconds;
            double windowCpuNanos = cpu.cpuNanosAt(times[to]) - cpu.cpuNanosAt(times[from]);
            Result result = new Result(
                    rate,
                    mode == Mode.PASS_THROUGH ? 1 : batchSum / decoded,
                    mode == Mode.PASS_THROUGH
                            ? Double.NaN
                            : modelMs
                                    * seen
                                    / decoded
                                    / 1e3
                                    / seconds
                                    / new ExplainerConfig(props(run, mode)).streamThreads(),
                    windowCpuNanos / 1e9 / appendSeconds,
                    jitMs / 1e3 / seconds,
                    windowCpuNanos / 1e3 / (to - from));
            System.out.printf(
                    Locale.ROOT,
                    "%-8s read over %.2f s at %.2f cores; appended between the 10th and 90th percentile outputs in "
                            + "%.2f s at %.2f cores, %.1f µs of CPU per output%n",
                    run,
                    seconds,
                    cores,
                    appendSeconds,
                    result.cores(),
                    result.cpuMicros());
            System.out.printf(
                    Locale.ROOT,
                    "%-8s %,d explanations in %.2f s: %,.0f/s between the 10th and 90th "
                            + "percentile outputs, %.2f cores busy, JIT compiling %.2f cores (load %.1f)%n",
                    run,
                    seen,
                    seconds,
                    rate,
                    result.cores(),
                    jitMs / 1e3 / seconds,
                    loadAverage());
            return result;
        }
    }

    private static ImageInput withTime(ImageInput image, long eventTime) {
        return new ImageInput(
                image.imageId(),
                image.encoding(),
                image.width(),
                image.height(),
                image.channels(),
                image.data(),
                image.label(),
                eventTime);
    }

    /** Produces at {@code rate} images/s for {@code seconds}; latency = committed-read time − event time. */
    private Latency latency(String run, Mode mode, double rate, int seconds) throws Exception {
        createImagesTopic(run, mode);
        String imagesTopic = run + "-images";
        TDigest digest = TDigest.createMergingDigest(200);
        // where the time goes: event → batch start (queued), event → forwarded (before the commit)
        TDigest queued = TDigest.createMergingDigest(200);
        TDigest forwarded = TDigest.createMergingDigest(200);
        var explanationSerde = topics(run).explanations().valueSerde().deserializer();
        int total = (int) Math.min(images.size() * 40L, (long) (rate * seconds));
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(run + "-explanations");
                Running app = start(run, mode);
                KafkaProducer<byte[], byte[]> producer = producer()) {
            Thread producerThread = new Thread(
                    () -> {
                        long start = System.nanoTime();
                        for (int i = 0; i < total; i++) {
                            long due = start + (long) (i * 1e9 / rate);
                            long wait;
                            while ((wait = due - System.nanoTime()) > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            long now = System.currentTimeMillis();
                            ImageInput source = images.get(i % images.size());
                            ImageInput image = new ImageInput(
                                    source.imageId() + "#" + i,
                                    "RAW_U8",
                                    source.width(),
                                    source.height(),
                                    1,
                                    source.data(),
                                    source.label(),
                                    now);
                            producer.send(new ProducerRecord<>(
                                    imagesTopic,
                                    null,
                                    now,
                                    image.imageId().getBytes(StandardCharsets.UTF_8),
                                    format.writeImage(imagesTopic, image)));
                        }
                        producer.flush();
                    },
                    "bench-producer");
            long gcStart = gcMillis();
            long jitStart = jitMillis();
            long wallStart = System.nanoTime();
            // how long the images themselves take to be readable (producer → broker → a plain consumer): the part
            // of the latency that is not the topology's
            TDigest upstream = TDigest.createMergingDigest(200);
            // opt-in (-Dbench.upstream=true): a second reader costs CPU the topology then misses
            java.util.concurrent.atomic.AtomicBoolean reading =
                    new java.util.concurrent.atomic.AtomicBoolean(Boolean.getBoolean("bench.upstream"));
            Thread upstreamReader = new Thread(
                    () -> {
                        try (KafkaConsumer<byte[], byte[]> images = consumer(imagesTopic)) {
                            int read = 0;
                            while (reading.get()) {
                                for (ConsumerRecord<byte[], byte[]> r : images.poll(Duration.ofMillis(20))) {
                                    if (++read > total / 10) {
                                        synchronized (upstream) {
                                            upstream.add(System.currentTimeMillis() - r.timestamp());
                                        }
                                    }
                                }
                            }
                        }
                    },
                    "bench-upstream-reader");
            if (reading.get()) {
                upstreamReader.start();
            }
            // which seconds the slow outputs come from, beside the GC time of each second: a tail that comes in
            // bursts at fixed times (a window closing, a GC) differs from one spread over the run
            SlowSeconds slow = new SlowSeconds(100);
            producerThread.start();
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 120L);
            while (seen < total && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    seen++;
                    // skip the first 10 %: warm-up
                    if (seen > total / 10) {
                        long latencyMs = System.currentTimeMillis() - r.timestamp();
                        digest.add(latencyMs);
                        slow.add(r.timestamp(), latencyMs);
                        if (mode != Mode.PASS_THROUGH) {
                            Explanation e = explanationSerde.deserialize(r.topic(), r.value());
                            queued.add(e.getTimings().getQueuedMs());
                            forwarded.add(e.getTimings().getTotalMs());
                        }
                    }
                }
            }
            producerThread.join();
            reading.set(false);
            upstreamReader.join();
            slow.stop();
            Latency latency = new Latency(rate, digest.quantile(0.5), digest.quantile(0.99));
            double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "%-12s at %,.0f/s: %d/%d, p50 %.0f ms, p99 %.0f ms (load %.1f)%s%n",
                    run,
                    rate,
                    seen,
                    total,
                    latency.p50,
                    latency.p99,
                    loadAverage(),
                    mode == Mode.PASS_THROUGH
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; until the batch p50 %.0f / p99 %.0f ms, until forwarded "
                                            + "p50 %.0f / p99 %.0f ms",
                                    queued.quantile(0.5),
                                    queued.quantile(0.99),
                                    forwarded.quantile(0.5),
                                    forwarded.quantile(0.99)));
            System.out.printf(
                    Locale.ROOT,
                    "%-12s GC %d ms, JIT %.2f cores;%s stream thread (since start):%s%n",
                    "",
                    gcMillis() - gcStart,
                    (jitMillis() - jitStart) / 1e3 / wallSeconds,
                    Boolean.getBoolean("bench.upstream")
                            ? String.format(
                                    Locale.ROOT,
                                    " images readable after p50 %.0f / p99 %.0f ms;",
                                    upstream.quantile(0.5),
                                    upstream.quantile(0.99))
                            : "",
                    app.threadTimings());
            System.out.printf(Locale.ROOT, "%-12s tasks by thread %s; %s%n", "", app.tasksPerThread(), slow.summary());
            return latency;
        }
    }
}
