package io.otnn.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.TrainingRequest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.reference.ReferenceModel;
import io.otnn.trainer.TrainingConfig;
import io.otnn.training.requests.TrainingRequestValidator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NextVersionTest {

    @TempDir
    Path tmp;

    @Test
    void shouldAskForTheReferencesRecipeAndPassTheServicesCheckWhenTheReferenceServes() throws Exception {
        Path checkpoint = ReferenceModel.extract(tmp);
        ModelMetadata reference = ModelMetadata.read(checkpoint.resolve(ModelMetadata.FILE_NAME));

        TrainingRequest request = NextVersion.request(reference, tmp.resolve("data"), 2);

        assertThat(request.getModelName()).isEqualTo(reference.name());
        assertThat(request.getPreset())
                .isEqualTo(reference.architecture().get("preset").asText())
                .isEqualTo("cnn");
        assertThat(request.getWidthMultiplier())
                .isEqualTo(reference.architecture().get("widthMultiplier").asDouble());
        assertThat(request.getLoss()).isEqualTo(reference.loss().get("name").asText());
        assertThat(request.getLambda())
                .isEqualTo(reference.loss().get("parameters").get("lambda").asDouble());
        assertThat(request.getSeed()).isEqualTo(NextVersion.SEED);
        assertThat(request.getEpochs()).isEqualTo(2);
        TrainingConfig config = TrainingRequestValidator.toConfig(request, tmp.resolve("out"), tmp.resolve("state"));
        assertThat(config.architecture()).isEqualTo("cnn");
        assertThat(config.widthMultiplier())
                .isEqualTo(reference.architecture().get("widthMultiplier").asDouble());
    }
}
