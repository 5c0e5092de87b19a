package io.otnn.dashboard.http;

import static io.otnn.dashboard.TestRecords.deadLetter;
import static io.otnn.dashboard.TestRecords.explanation;
import static org.assertj.core.api.Assertions.assertThat;

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

import io.otnn.avro.ErrorKind;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.dashboard.state.DashboardState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer on a real JDK server and a real client; the state is filled by hand, no Kafka. */
class DashboardServerTest {

    private final DashboardState state = new DashboardState(DashboardState.Limits.defaults());
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
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
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.url() + "api/state"))
                    .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).contains("GET");
        }
    }

    @Test
    void shouldRefuseWith401WhenCredentialsAreMissingOrWrong() throws Exception {
        start(config().withBasicAuth("auditor", "s3cret-pass".toCharArray()));

        HttpResponse<byte[]> none = get("/api/state", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(get("/api/state", basic("auditor", "wrong")).statusCode()).isEqualTo(401);
        assertThat(get("/api/state", basic("someone", "s3cret-pass")).statusCode()).isEqualTo(401);
        assertThat(get("/api/state", "Basic !!not-base64").statusCode()).isEqualTo(401);
        HttpResponse<byte[]> right = get("/api/state", basic("auditor", "s3cret-pass"));
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(new String(right.body(), StandardCharsets.UTF_8)).doesNotContain("s3cret");
    }

    @Test
    void shouldDeliverAStateEventWhenARecordArrives() throws Exception {
        start(config());
        HttpResponse<java.io.InputStream> response = client.send(HttpRequest.newBuilder(URI.create(server.url() + "api/events"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String first = nextData(lines);
            assertThat(first).contains("\"deadLettersTotal\":0");

            state.onDeadLetter(deadLetter(ErrorKind.OVERSIZE, "a 30000x30000 PNG", 7));

            String next = nextData(lines);
            assertThat(next).contains("\"kind\":\"OVERSIZE\"").contains("a 30000x30000 PNG").contains("\"deadLettersTotal\":1");
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
        }).get(10, TimeUnit.SECONDS);
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
        BufferedImage cf = ImageIO.read(new ByteArrayInputStream(get("/api/explanations/" + seq + "/counterfactual.png",
                null).body()));
        assertThat(cf.getRGB(0, 0) & 0xff).isLessThan(cf.getRGB(0, 27) & 0xff);
        assertThat(get("/api/explanations/" + seq + "/gradient.png", null).statusCode()).as("no signed gradient").isEqualTo(404);
        assertThat(get("/api/explanations/999/saliency.png", null).statusCode()).isEqualTo(404);
        String detail = new String(get("/api/explanations/" + seq, null).body(), StandardCharsets.UTF_8);
        assertThat(detail).contains("\"imageId\":\"img-1\"").contains("\"batchSize\":4");
    }

    @Test
    void shouldAnswer404WhenThePathIsUnknown() throws Exception {
        start(config());
        assertThat(get("/etc/passwd", null).statusCode()).isEqualTo(404);
        assertThat(get("/../pom.xml", null).statusCode()).isEqualTo(404);
    }
}
