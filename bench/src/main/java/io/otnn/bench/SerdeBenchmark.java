package io.otnn.bench;

import io.otnn.avro.Certificate;
import io.otnn.avro.Counterfactual;
import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.avro.TensorEncoding;
import io.otnn.avro.Timings;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.serde.AvroSerde;
import io.otnn.schemas.serde.AvroSerdes;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Records per second of the Avro serde for one {@link Explanation} of a 28×28 grayscale image, with saliency
 * and counterfactual as PNG_U8 tensors of realistic content (smooth blobs plus noise), against a real
 * local registry (the schema id is cached after the first call, as in production).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar SerdeBenchmark}. Scores are operations (records)
 * per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerdeBenchmark {

    private static final String TOPIC = "otnn.explanations.bench";

    private LocalStack stack;
    private SchemaRegistryClient client;
    private AvroSerde<Explanation> serde;
    private Explanation explanation;
    private byte[] payload;

    @Setup(Level.Trial)
    public void setUp() {
        stack = LocalStack.start();
        client = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        serde = AvroSerdes.specific(Explanation.class, client, false);
        explanation = explanation(new Random(2026));
        payload = serde.serializer().serialize(TOPIC, explanation);
        System.out.println("# Explanation of a 28x28 image: " + payload.length + " bytes on the wire");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        serde.close();
        client.close();
        stack.close();
    }

    @Benchmark
    public byte[] serialize() {
        return serde.serializer().serialize(TOPIC, explanation);
    }

    @Benchmark
    public Explanation deserialize() {
        return serde.deserializer().deserialize(TOPIC, payload);
    }

    static Explanation explanation(Random random) {
        List<Float> scores = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            scores.add((float) random.nextGaussian());
        }
        return Explanation.newBuilder()
                .setImageId("mnist-test-00042")
                .setEventTime(Instant.now())
                .setModelName("mnist-otnn")
                .setModelVersion(1)
                .setLabel(7)
                .setPredictedClass(7)
                .setPredictedClassName("7")
                .setRunnerUpClass(9)
                .setRunnerUpClassName("9")
                .setScores(scores)
                .setCertificate(Certificate.newBuilder()
                        .setRadius(0.41)
                        .setMargin(0.58)
                        .setFactor(Math.sqrt(2))
                        .setLipschitz(1.0)
                        .build())
                .setSaliency(pngTensor(random, 0.02f))
                .setCounterfactual(Counterfactual.newBuilder()
                        .setTargetClass(9)
                        .setTargetClassName("9")
                        .setT(1.1)
                        .setDistance(0.64)
                        .setBoundaryDistance(0.58)
                        .setImage(pngTensor(random, 1f))
                        .setPredictedClass(9)
                        .setBoundaryResidual(3e-4)
                        .build())
                .setTimings(Timings.newBuilder()
                        .setQueuedMs(1.8)
                        .setModelMs(4.2)
                        .setTotalMs(6.9)
                        .build())
                .setBatchSize(32)
                .setExplainerInstance("bench-host/otnn-explainer")
                .build();
    }

    /** A 28×28 8-bit PNG of a few Gaussian blobs plus noise, like a saliency map or a digit. */
    static EncodedTensor pngTensor(Random random, float scale) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        double[][] blobs = new double[4][];
        for (int b = 0; b < blobs.length; b++) {
            blobs[b] = new double[] {
                4 + random.nextDouble() * 20, 4 + random.nextDouble() * 20, 2 + random.nextDouble() * 4
            };
        }
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                double v = 0;
                for (double[] blob : blobs) {
                    double d2 = (x - blob[0]) * (x - blob[0]) + (y - blob[1]) * (y - blob[1]);
                    v += Math.exp(-d2 / (2 * blob[2] * blob[2]));
                }
                int sample = (int) Math.max(0, Math.min(255, 200 * v + random.nextGaussian() * 12));
                image.getRaster().setSample(x, y, 0, sample);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return EncodedTensor.newBuilder()
                .setEncoding(TensorEncoding.PNG_U8)
                .setShape(List.of(28, 28, 1))
                .setScale(scale)
                .setOffset(0f)
                .setData(ByteBuffer.wrap(png.toByteArray()))
                .build();
    }
}
