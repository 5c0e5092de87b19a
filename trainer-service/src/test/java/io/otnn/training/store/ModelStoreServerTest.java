package io.otnn.training.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelStoreHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's HTTP server on a store holding one version (a directory with a real manifest, and its archive), spoken
 * to over a raw socket so that paths reach the server exactly as written (no client normalises them).
 */
class ModelStoreServerTest {

    @TempDir
    Path tmp;

    ModelStore store;
    ModelStoreServer server;
    String digest;

    @BeforeEach
    void start() throws IOException {
        store = new ModelStore(tmp.resolve("store"));
        Files.writeString(tmp.resolve("secret.txt"), "not for you");
        Path dir = Files.createDirectories(store.checkpointDir("m1", 1).resolve("variables"));
        Files.writeString(dir.resolve("variables.index"), "weights");
        Files.writeString(store.checkpointDir("m1", 1).resolve("otnn-model.json"), "{}");
        digest = CheckpointManifest.write(store.checkpointDir("m1", 1)).digest();
        CheckpointArchive.write(store.checkpointDir("m1", 1), store.archive("m1", 1));
        Files.createDirectories(store.checkpointDir("m1", 2)); // allocated, not exported: never served
        server = ModelStoreServer.start(store, ModelStoreServer.DEFAULT_BIND, 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    record Response(int status, String head, byte[] body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int c = line.indexOf(':');
                if (c > 0 && line.substring(0, c).equalsIgnoreCase(name))
                    return line.substring(c + 1).trim();
            }
            return null;
        }
    }

    private Response request(String method, String rawPath) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            + "Content-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = text.substring(0, end);
            byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
            int status = Integer.parseInt(head.split(" ")[1]);
            return new Response(status, head, body);
        }
    }

    @Test
    void shouldServeTheArchiveWithTheManifestDigestWhenAVersionIsExported() throws IOException {
        Response r = request("GET", ModelStoreHttp.path("m1", 1));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header(ModelStoreHttp.MANIFEST_DIGEST_HEADER)).isEqualTo(digest);
        assertThat(r.body()).isEqualTo(Files.readAllBytes(store.archive("m1", 1)));

        Response head = request("HEAD", ModelStoreHttp.path("m1", 1));
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header(ModelStoreHttp.MANIFEST_DIGEST_HEADER)).isEqualTo(digest);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void shouldListOnlyServedVersionsWhenModelsIsAsked() throws IOException {
        Response r = request("GET", "/models");
        assertThat(r.status()).isEqualTo(200);
        JsonNode json = new ObjectMapper().readTree(r.body());
        assertThat(json.get("models")).hasSize(1);
        JsonNode m = json.get("models").get(0);
        assertThat(m.get("name").asText()).isEqualTo("m1");
        assertThat(m.get("versions")).hasSize(1);
        assertThat(m.get("versions").get(0).get("version").asInt()).isEqualTo(1);
        assertThat(m.get("versions").get(0).get("manifestDigest").asText()).isEqualTo(digest);
        assertThat(request("GET", "/health/live").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerNotFoundWhenThePathIsUnknownTraversesOrIsEncoded() throws IOException {
        for (String path : new String[] {
            "/models/m1/2.tar.gz", // allocated, not exported
            "/models/m1/3.tar.gz",
            "/models/../secret.txt",
            "/models/m1/../../secret.txt",
            "/models/%2e%2e/secret.txt",
            "/models/m1/%31.tar.gz",
            "/models/m1/1.tar.gz/",
            "/models/m1/1",
            "/models/m1/1/otnn-model.json",
            "/models/",
            "/",
            "/secret.txt",
            "/health"
        }) {
            Response r = request("GET", path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(path).doesNotContain("not for you");
        }
    }

    @Test
    void shouldAnswerMethodNotAllowedWhenTheMethodWrites() throws IOException {
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH"}) {
            Response r = request(method, ModelStoreHttp.path("m1", 1));
            assertThat(r.status()).as(method).isEqualTo(405);
            assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
        }
        assertThat(Files.exists(store.archive("m1", 1))).isTrue();
    }

    @Test
    void shouldListenOnLoopbackOnlyWhenNoBindIsGiven() {
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.baseUrl()).startsWith("http://127.0.0.1:");
    }
}
