package io.otnn.streams.testing;

import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.streams.engine.OtnnEngine;
import io.otnn.streams.format.AvroRecordFormat;

/**
 * What the end-to-end tests share for a test class: the local stack, a registry client, the Avro wire format and,
 * when asked, the real engine on explain-core's dense 784-256-256-10 fixture checkpoint. Closed in reverse order.
 */
public record EmbeddedPipeline(LocalStack stack, SchemaRegistryClient registry, AvroRecordFormat format,
                               OtnnEngine engine) implements AutoCloseable {

    public static EmbeddedPipeline start(boolean withEngine) {
        LocalStack stack = LocalStack.start();
        SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl());
        OtnnEngine engine = withEngine ? OtnnEngine.load(Fixtures.denseMnist()) : null;
        return new EmbeddedPipeline(stack, registry, new AvroRecordFormat(registry), engine);
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
        registry.close();
        stack.close();
    }
}
