package io.otnn.streams.testing;

import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link EmbeddedPipeline} per test class, started before the class's own {@code @BeforeAll} methods and closed
 * after its {@code @AfterAll} ones. Register it as a static field:
 * {@code @RegisterExtension static final EmbeddedPipelineExtension pipeline = EmbeddedPipelineExtension.withEngine();}
 */
public final class EmbeddedPipelineExtension implements BeforeAllCallback, AfterAllCallback {

    private final boolean withEngine;
    private EmbeddedPipeline pipeline;

    private EmbeddedPipelineExtension(boolean withEngine) {
        this.withEngine = withEngine;
    }

    /** The stack, the registry client, the Avro format and the real engine on the dense MNIST fixture. */
    public static EmbeddedPipelineExtension withEngine() {
        return new EmbeddedPipelineExtension(true);
    }

    /** The stack, the registry client and the Avro format; {@link #engine()} is null. */
    public static EmbeddedPipelineExtension withoutEngine() {
        return new EmbeddedPipelineExtension(false);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        pipeline = EmbeddedPipeline.start(withEngine);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (pipeline != null) {
            pipeline.close();
            pipeline = null;
        }
    }

    public LocalStack stack() {
        return started().stack();
    }

    public SchemaRegistryClient registry() {
        return started().registry();
    }

    public AvroRecordFormat format() {
        return started().format();
    }

    public OtnnEngine engine() {
        return started().engine();
    }

    /** See {@link EmbeddedPipeline#explainerProps(String, Path)}. */
    public Map<String, Object> explainerProps(String applicationId, Path stateDir) {
        return started().explainerProps(applicationId, stateDir);
    }

    /** See {@link EmbeddedPipeline#explainerProps(String, String, Path)}. */
    public Map<String, Object> explainerProps(String applicationId, String topicPrefix, Path stateDir) {
        return started().explainerProps(applicationId, topicPrefix, stateDir);
    }

    private EmbeddedPipeline started() {
        if (pipeline == null) {
            throw new IllegalStateException("the embedded pipeline is not running: register this extension on a "
                    + "static field with @RegisterExtension and use it only between its class's @BeforeAll and "
                    + "@AfterAll");
        }
        return pipeline;
    }
}
