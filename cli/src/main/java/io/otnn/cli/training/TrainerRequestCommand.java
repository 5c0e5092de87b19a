package io.otnn.cli.training;

import io.otnn.avro.TrainingRequest;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.requests.RequestRejectedException;
import io.otnn.training.requests.TrainingRequestValidator;
import io.otnn.training.requests.TrainingRequests;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otnn trainer request}: sends one training request and prints its id. The request is checked as the service
 * checks it (a bad value is misuse, exit 2) except whether its data can be read, which only the service can know.
 */
@Command(
        name = "request",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Send a training request to the trainer service; prints its request id.")
public final class TrainerRequestCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(names = "--name", required = true, description = "model name to publish a new version of")
    String name;

    @Option(
            names = "--data",
            required = true,
            description = "fashion-mnist, mnist, block-mnist, koch (read from --data-dir), idx:DIR or dir:DIR")
    String data;

    @Option(names = "--data-dir", description = "folder of a named data set, as the service sees it")
    String dataDir;

    @Option(names = "--epochs", required = true, description = "number of epochs")
    int epochs;

    @Option(names = "--arch", defaultValue = "dense", description = "dense, cnn or vgg (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--width", description = "width multiplier of the preset")
    Double width;

    @Option(names = "--loss", description = "hkr, hkr-multiclass, hkr-softmax or cross-entropy")
    String loss;

    @Option(names = "--lambda", description = "hKR λ (> 0)")
    Double lambda;

    @Option(names = "--margin", description = "hKR margin m")
    Double margin;

    @Option(names = "--alpha", description = "softmax temperature α of hkr-softmax")
    Double alpha;

    @Option(names = "--lr", description = "learning-rate schedule 'rate:untilEpoch,…,rate'")
    String lr;

    @Option(names = "--batch-size", defaultValue = "128", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--limit", description = "use only the first N training images")
    Integer limit;

    @Option(names = "--test-limit", description = "evaluate on the first N test images only")
    Integer testLimit;

    @Option(names = "--request-id", description = "the request's id (default: a random UUID)")
    String requestId;

    @Option(
            names = "--topic",
            defaultValue = TrainingRequests.TOPIC,
            description = "requests topic (default: ${DEFAULT-VALUE})")
    String topic;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        KafkaSettings settings = kafka.settings(cmd);
        TrainingRequest.Builder b = TrainingRequests.builder(name, data, dataDir, epochs)
                .setPreset(arch)
                .setWidthMultiplier(width)
                .setLoss(loss)
                .setLambda(lambda)
                .setMargin(margin)
                .setAlpha(alpha)
                .setLearningRate(lr)
                .setBatchSize(batchSize)
                .setSeed(seed)
                .setTrainLimit(limit)
                .setTestLimit(testLimit);
        if (requestId != null) b.setRequestId(requestId);
        TrainingRequest request = b.build();
        try {
            TrainingRequestValidator.toConfig(request, Path.of("out"), Path.of("state"));
        } catch (RequestRejectedException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        String id = TrainingRequests.send(settings, topic, request);
        cmd.getOut().println(id);
        cmd.getOut().flush();
        return 0;
    }
}
