package io.otnn.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over {@code java.net.http}, speaking Confluent's REST API.
 *
 * <p>Caches: the id of each (subject, schema) registered or looked up, each schema by id, and the latest
 * version of a subject (for {@code latest.cache.ttl.sec}); so serializing any number of records of one
 * schema costs one HTTP call. Retries: connection errors and 5xx answers are retried up to
 * {@code schema.registry.max.retries} times with exponential back-off, moving on to the next configured URL;
 * a request that timed out is not retried; 4xx answers are mapped to exceptions at once. Thread-safe.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, " + "application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistryClientConfig config;
    private final HttpClient http;
    private final String authorization;
    private final AtomicInteger urlIndex = new AtomicInteger();
    private final Map<String, Map<Schema, Integer>> registered = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, SchemaMetadata>> lookedUp = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, TimedMetadata> latest = new ConcurrentHashMap<>();

    private record TimedMetadata(SchemaMetadata metadata, long fetchedNanos) {}

    public RestSchemaRegistryClient(SchemaRegistryClientConfig config) {
        this.config = config;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        config.sslContext().ifPresent(builder::sslContext);
        this.http = builder.build();
        this.authorization = config.userInfo()
                .map(u -> "Basic " + Base64.getEncoder().encodeToString(u.getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
    }

    /** A client of the registry at {@code url} with default settings. */
    public static RestSchemaRegistryClient forUrl(String url) {
        return new RestSchemaRegistryClient(SchemaRegistryClientConfig.forUrl(url));
    }

    /** A client configured from a (serde) configuration map. */
    public static RestSchemaRegistryClient fromConfig(Map<String, ?> props) {
        return new RestSchemaRegistryClient(SchemaRegistryClientConfig.from(props));
    }

    @Override
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> ids = registered.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = answer.path("id").asInt();
        ids.put(schema, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public SchemaMetadata lookup(String subject, Schema schema) {
        Map<Schema, SchemaMetadata> bySchema = lookedUp.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        SchemaMetadata cached = bySchema.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        SchemaMetadata metadata = new SchemaMetadata(
                subject, answer.path("version").asInt(), answer.path("id").asInt(), schema);
        bySchema.put(schema, metadata);
        schemasById.putIfAbsent(metadata.id(), schema);
        return metadata;
    }

    @Override
    public Schema getSchemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer.path("schema").asText(), "schema " + id);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous == null ? schema : previous;
    }

    @Override
    public SchemaMetadata getSchemaMetadata(String subject, int version) {
        return metadata(send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null));
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
        TimedMetadata cached = latest.get(subject);
        if (cached != null
                && config.latestCacheTtl()
                        .map(ttl -> System.nanoTime() - cached.fetchedNanos() < ttl.toNanos())
                        .orElse(true)) {
            return cached.metadata();
        }
        SchemaMetadata metadata = metadata(send("GET", "/subjects/" + encode(subject) + "/versions/latest", null));
        latest.put(subject, new TimedMetadata(metadata, System.nanoTime()));
        return metadata;
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        try {
            return send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema))
                    .path("is_compatible")
                    .asBoolean(false);
        } catch (SubjectNotFoundException e) {
            return true; // nothing to be incompatible with
        }
    }

    @Override
    public List<String> getAllSubjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "/subjects", null).forEach(n -> subjects.add(n.asText()));
        return subjects;
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        return ints(send("GET", "/subjects/" + encode(subject) + "/versions", null));
    }

    @Override
    public CompatibilityLevel getGlobalCompatibility() {
        return CompatibilityLevel.parse(
                send("GET", "/config", null).path("compatibilityLevel").asText());
    }

    @Override
    public CompatibilityLevel updateGlobalCompatibility(CompatibilityLevel level) {
        return CompatibilityLevel.parse(
                send("PUT", "/config", levelBody(level)).path("compatibility").asText());
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        return CompatibilityLevel.parse(send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null)
                .path("compatibilityLevel")
                .asText());
    }

    @Override
    public CompatibilityLevel updateCompatibility(String subject, CompatibilityLevel level) {
        return CompatibilityLevel.parse(send("PUT", "/config/" + encode(subject), levelBody(level))
                .path("compatibility")
                .asText());
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        List<Integer> versions = ints(send("DELETE", "/subjects/" + encode(subject), null));
        registered.remove(subject);
        lookedUp.remove(subject);
        latest.remove(subject);
        return versions;
    }

    @Override
    public void close() {
        // java.net.http.HttpClient of JDK 17 has no close(); its threads are daemons and end when unreferenced
        registered.clear();
        lookedUp.clear();
        schemasById.clear();
        latest.clear();
    }

    // ---- HTTP ----

    private JsonNode send(String method, String pathAndQuery, String body) {
        List<String> urls = config.urls();
        int attempts = config.maxRetries() + 1;
        Exception lastError = null;
        String lastProblem = "";
        long backoff = config.retryBackoff().toMillis();
        for (int attempt = 1; attempt <= attempts; attempt++) {
            String base = urls.get(Math.floorMod(urlIndex.get(), urls.size()));
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                    .timeout(config.requestTimeout())
                    .header("Accept", ACCEPT)
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE);
            }
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            try {
                HttpResponse<String> response =
                        http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
                }
                if (status < 500) {
                    throw mapError(method, base + pathAndQuery, status, response.body());
                }
                lastProblem = "HTTP " + status + " " + response.body();
                lastError = null;
                urlIndex.incrementAndGet(); // another instance may be healthy
            } catch (HttpConnectTimeoutException | ConnectException e) {
                lastError = e;
                lastProblem = "cannot connect (" + e + ")";
                urlIndex.incrementAndGet();
            } catch (HttpTimeoutException e) {
                throw new SchemaRegistryUnavailableException(
                        "schema registry at " + base + " did not answer " + method + " " + pathAndQuery + " within "
                                + config.requestTimeout().toMillis() + " ms",
                        e);
            } catch (IOException e) {
                lastError = e;
                lastProblem = "I/O error (" + e + ")";
                urlIndex.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException("interrupted while calling the schema registry", e);
            }
            if (attempt < attempts) {
                LOG.debug(
                        "schema registry {} {} failed ({}), retry {} of {} in {} ms",
                        method,
                        pathAndQuery,
                        lastProblem,
                        attempt,
                        attempts - 1,
                        backoff);
                sleep(backoff);
                backoff = nextBackoff(backoff, config.retryBackoffMax().toMillis());
            }
        }
        String message = "schema registry at " + String.join(",", urls) + " unavailable for " + method + " "
                + pathAndQuery + " after " + attempts + " attempt(s): " + lastProblem;
        throw lastError != null
                ? new SchemaRegistryUnavailableException(message, lastError)
                : new SchemaRegistryUnavailableException(message, 500, 50001);
    }

    /** The pause after {@code current}: doubled, at least 1 ms, at most {@code max}. */
    static long nextBackoff(long current, long max) {
        return Math.min(Math.max(1, current * 2), max);
    }

    private static SchemaRegistryException mapError(String method, String url, int status, String body) {
        int code = status;
        String message = body;
        try {
            JsonNode error = JSON.readTree(body);
            code = error.path("error_code").asInt(status);
            message = error.path("message").asText(body);
        } catch (IOException ignored) {
            // not JSON: keep the raw body
        }
        String text = message + " (" + method + " " + url + ", HTTP " + status + ", error code " + code + ")";
        if (status == 401 || status == 403) {
            text = "the schema registry " + (status == 401 ? "refused the credentials" : "denied access") + " ("
                    + SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG + ", "
                    + SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "): " + text;
        }
        switch (code) {
            case 40401:
                return new SubjectNotFoundException(text, status, code);
            case 40402:
                return new VersionNotFoundException(text, status, code);
            case 40403:
                return new SchemaNotFoundException(text, status, code);
            case 42201:
            case 42202:
                return new InvalidSchemaException(text, status, code);
            default:
                if (status == 409) {
                    return new IncompatibleSchemaException(text, status, code);
                }
                return new SchemaRegistryException(text, status, code);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting to retry the schema registry", e);
        }
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static String levelBody(CompatibilityLevel level) {
        return JSON.createObjectNode().put("compatibility", level.name()).toString();
    }

    private static SchemaMetadata metadata(JsonNode answer) {
        String subject = answer.path("subject").asText();
        return new SchemaMetadata(
                subject,
                answer.path("version").asInt(),
                answer.path("id").asInt(),
                parse(answer.path("schema").asText(), "subject " + subject));
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new InvalidSchemaException(
                    "the registry returned an unparsable schema for " + what + ": " + e.getMessage(), 0, 0);
        }
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
