package io.otnn.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.otnn.avro.TrainingRequest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.training.requests.TrainingRequests;
import java.nio.file.Path;

/**
 * The demo's request for the next version of the model it serves: the serving model's preset, width and loss (with
 * the loss's λ, m and α when its metadata records them), another seed, on the demo's data for the given epochs.
 */
final class NextVersion {

    static final long SEED = 43;

    private NextVersion() {}

    static TrainingRequest request(ModelMetadata serving, Path data, int epochs) {
        TrainingRequest.Builder request =
                TrainingRequests.builder(serving.name(), "fashion-mnist", data.toString(), epochs);
        request.setSeed(SEED);
        JsonNode architecture = serving.architecture();
        if (architecture != null && architecture.hasNonNull("preset")) {
            request.setPreset(architecture.get("preset").asText());
        }
        if (architecture != null && architecture.hasNonNull("widthMultiplier")) {
            request.setWidthMultiplier(architecture.get("widthMultiplier").asDouble());
        }
        JsonNode loss = serving.loss();
        if (loss != null && loss.hasNonNull("name")) {
            request.setLoss(loss.get("name").asText());
            JsonNode parameters = loss.path("parameters");
            if (parameters.hasNonNull("lambda"))
                request.setLambda(parameters.get("lambda").asDouble());
            if (parameters.hasNonNull("margin"))
                request.setMargin(parameters.get("margin").asDouble());
            if (parameters.hasNonNull("alpha"))
                request.setAlpha(parameters.get("alpha").asDouble());
        }
        return request.build();
    }
}
