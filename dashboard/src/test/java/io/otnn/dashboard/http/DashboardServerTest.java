package io.otnn.dashboard.http;

import static io.otnn.dashboard.TestRecords.deadLetter;
import static io.otnn.dashboard.TestRecords.explanation;
import static io.otnn.dashboard.TestRecords.explanationWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.ErrorKind;
import io.otnn.avro.Explanation;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.dashboard.state.DashboardState;
import io.otnn.explain.render.Colormap;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer on a real JDK server and a real client; the state is filled by hand, no Kafka. */
class DashboardServerTest {

    private final DashboardState state = new DashboardState(DashboardState.Limits.defaults());
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private DashboardServer server;

    private DashboardServer start(DashboardConfig config) throws Exception {
        server = new DashboardServer(config, state).start();
        return server;
    }

    private static DashboardConfig config() {
        // the server never contacts these: the feed does
        return DashboardConfig.local("127.0.0.1:1", "http://127.0.0.1:1");
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private HttpResponse<byte[]> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) request.header("Authorization", authorization);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldListenOnLoopbackOnlyWhenNoBindAddressIsGiven() throws Exception {
        start(config());

        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.url()).startsWith("http://127.0.0.1:");
        assertThat(get("/", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer405WhenTheMethodIsNotGet() throws Exception {
        start(config());

        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "api/state"))
                            .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).contains("GET");
        }
    }

    @Test
    void shouldRefuseWith401WhenCredentialsAreMissingOrWrong() throws Exception {
        start(config().withBasicAuth("auditor", "s3cret-pass".toCharArray()));

        HttpResponse<byte[]> none = get("/api/state", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(get("/api/state", basic("auditor", "wrong")).statusCode()).isEqualTo(401);
        assertThat(get("/api/state", basic("someone", "s3cret-pass")).statusCode())
                .isEqualTo(401);
        assertThat(get("/api/state", "Basic !!not-base64").statusCode()).isEqualTo(401);
        HttpResponse<byte[]> right = get("/api/state", basic("auditor", "s3cret-pass"));
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(new String(right.body(), StandardCharsets.UTF_8)).doesNotContain("s3cret");
    }

    @Test
    void shouldDeliverAStateEventWhenARecordArrives() throws Exception {
        start(config());
        HttpResponse<java.io.InputStream> response = client.send(
                HttpRequest.newBuilder(URI.create(server.url() + "api/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String first = nextData(lines);
            assertThat(first).contains("\"deadLettersTotal\":0");

            state.onDeadLetter(deadLetter(ErrorKind.OVERSIZE, "a 30000x30000 PNG", 7));

            String next = nextData(lines);
            assertThat(next)
                    .contains("\"kind\":\"OVERSIZE\"")
                    .contains("a 30000x30000 PNG")
                    .contains("\"deadLettersTotal\":1");
        }
    }

    /** The data line of the next {@code state} event, waited for at most 10 s. */
    private static String nextData(BufferedReader lines) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
                    try {
                        boolean isState = false;
                        for (String line; (line = lines.readLine()) != null; ) {
                            if (line.equals("event: state")) isState = true;
                            else if (isState && line.startsWith("data: ")) return line.substring(6);
                        }
                        throw new IllegalStateException("the stream ended");
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldServeUplotFromTheClasspathWhenThePageAsksForIt() throws Exception {
        start(config());

        HttpResponse<byte[]> js = get("/vendor/uPlot.iife.min.js", null);
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(new String(js.body(), StandardCharsets.UTF_8)).contains("uPlot");
        assertThat(get("/vendor/uPlot.min.css", null).statusCode()).isEqualTo(200);
        String page = new String(get("/", null).body(), StandardCharsets.UTF_8);
        assertThat(page).doesNotContain("http://").doesNotContain("https://");
        assertThat(get("/", null).headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("default-src 'self'"));
    }

    @Test
    void shouldDrawTheExplanationsPicturesWhenItIsKept() throws Exception {
        start(config());
        state.onExplanation(explanation("img-1", 3, 3, 0.4), 0);
        long seq = state.snapshot().gallery().get(0).seq();

        for (String kind : new String[] {"saliency", "counterfactual", "overlay"}) {
            HttpResponse<byte[]> png = get("/api/explanations/" + seq + "/" + kind + ".png", null);
            assertThat(png.statusCode()).as(kind).isEqualTo(200);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
            assertThat(image.getWidth()).isEqualTo(28);
            assertThat(image.getHeight()).isEqualTo(28);
        }
        // the counterfactual is a vertical ramp: dark at the top, bright at the bottom
        BufferedImage cf = ImageIO.read(new ByteArrayInputStream(
                get("/api/explanations/" + seq + "/counterfactual.png", null).body()));
        assertThat(cf.getRGB(0, 0) & 0xff).isLessThan(cf.getRGB(0, 27) & 0xff);
        assertThat(get("/api/explanations/" + seq + "/gradient.png", null).statusCode())
                .as("no signed gradient")
                .isEqualTo(404);
        assertThat(get("/api/explanations/" + seq + "/input.png", null).statusCode())
                .as("written before the input field")
                .isEqualTo(404);
        assertThat(get("/api/explanations/" + seq + "/difference.png", null).statusCode())
                .isEqualTo(404);
        assertThat(get("/api/explanations/999/saliency.png", null).statusCode()).isEqualTo(404);
        String detail = new String(get("/api/explanations/" + seq, null).body(), StandardCharsets.UTF_8);
        assertThat(detail)
                .contains("\"imageId\":\"img-1\"")
                .contains("\"batchSize\":4")
                .contains("\"input\":false")
                .contains("\"pictures\":[\"saliency\",\"counterfactual\",\"overlay\"]");
    }

    @Test
    void shouldDrawTheInputAndTheDifferenceCounterfactualMinusInputWhenTheRecordCarriesItsInput() throws Exception {
        start(config());
        Explanation record = explanationWithInput("img-x", 3, 3, 0.4);
        state.onExplanation(record, 0);
        long seq = state.snapshot().gallery().get(0).seq();

        BufferedImage input = png(seq, "input");
        BufferedImage difference = png(seq, "difference");
        for (BufferedImage image : new BufferedImage[] {input, difference}) {
            assertThat(image.getWidth()).isEqualTo(28);
            assertThat(image.getHeight()).isEqualTo(28);
        }
        // the two compact tensors decoded here, independently of the dashboard's decoder
        float[] x = decodeHere(record.getInput());
        float[] cf = decodeHere(record.getCounterfactual().getImage());
        // each 8-bit encoding is off by at most scale / 510
        double quantisation = record.getInput().getScale() / 510.0
                + record.getCounterfactual().getImage().getScale() / 510.0;
        double max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(cf[i] - x[i]));
        assertThat(max).isGreaterThan(0.9);
        int[][] pixels = {{0, 0}, {27, 0}, {0, 27}, {20, 5}, {3, 17}, {14, 14}, {27, 26}};
        for (int[] p : pixels) {
            int row = p[0];
            int col = p[1];
            int i = row * 28 + col;
            assertThat(input.getRGB(col, row) & 0xff)
                    .as("x at %d,%d", row, col)
                    .isCloseTo((int) Math.round(x[i] * 255), org.assertj.core.api.Assertions.within(1));
            double shown = (2 * nearestLevel(Colormap.RD_BU, difference.getRGB(col, row)) - 1) * max;
            assertThat(shown)
                    .as("x_cf - x at %d,%d", row, col)
                    .isCloseTo(cf[i] - x[i], org.assertj.core.api.Assertions.within(quantisation + 0.01 * max));
        }
        // below zero is blue, above is red
        assertThat(difference.getRGB(27, 0) & 0xff)
                .as("top right: x_cf darker")
                .isGreaterThan((difference.getRGB(27, 0) >> 16) & 0xff);
        assertThat((difference.getRGB(0, 27) >> 16) & 0xff)
                .as("bottom left: x_cf brighter")
                .isGreaterThan(difference.getRGB(0, 27) & 0xff);

        String detail = new String(get("/api/explanations/" + seq, null).body(), StandardCharsets.UTF_8);
        assertThat(detail)
                .contains("\"input\":true")
                .contains("\"differenceError\":" + quantisation)
                .contains("\"pictures\":[\"input\",\"saliency\",\"counterfactual\",\"difference\",\"overlay\"]");
        assertThat(new String(get("/api/state", null).body(), StandardCharsets.UTF_8))
                .contains("\"input\":true");
    }

    private BufferedImage png(long seq, String kind) throws Exception {
        HttpResponse<byte[]> response = get("/api/explanations/" + seq + "/" + kind + ".png", null);
        assertThat(response.statusCode()).as(kind).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("image/png");
        return ImageIO.read(new ByteArrayInputStream(response.body()));
    }

    /** value = offset + scale · byte / 255 of a PNG_U8 tensor of shape [H, W, 1]. */
    private static float[] decodeHere(EncodedTensor t) throws Exception {
        byte[] data = new byte[t.getData().remaining()];
        t.getData().duplicate().get(data);
        BufferedImage gray = ImageIO.read(new ByteArrayInputStream(data));
        float[] out = new float[gray.getWidth() * gray.getHeight()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getOffset()
                    + t.getScale() * gray.getRaster().getSample(i % gray.getWidth(), i / gray.getWidth(), 0) / 255f;
        }
        return out;
    }

    /** The level in [0, 1] whose colour of {@code map} is nearest {@code rgb} (a fine search). */
    private static double nearestLevel(Colormap map, int rgb) {
        double best = 0;
        long bestDistance = Long.MAX_VALUE;
        for (int k = 0; k <= 10_000; k++) {
            int c = map.rgb(k / 10_000.0);
            long dr = ((c >> 16) & 0xff) - ((rgb >> 16) & 0xff);
            long dg = ((c >> 8) & 0xff) - ((rgb >> 8) & 0xff);
            long db = (c & 0xff) - (rgb & 0xff);
            long distance = dr * dr + dg * dg + db * db;
            if (distance < bestDistance) {
                bestDistance = distance;
                best = k / 10_000.0;
            }
        }
        return best;
    }

    @Test
    void shouldAnswer404WhenThePathIsUnknown() throws Exception {
        start(config());
        assertThat(get("/etc/passwd", null).statusCode()).isEqualTo(404);
        assertThat(get("/../pom.xml", null).statusCode()).isEqualTo(404);
    }
}
