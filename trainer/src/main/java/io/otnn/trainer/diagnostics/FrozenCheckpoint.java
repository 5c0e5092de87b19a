package io.otnn.trainer.diagnostics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.explain.engine.TensorFlowEnvironment;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.model.Architecture;
import io.otnn.trainer.model.Presets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A checkpoint's network as the trainer exported it: its metadata, its preset rebuilt (checked against the recorded
 * layer descriptions), the input shape of every layer and every layer's frozen inference parameters, read from the
 * SavedModel's variables {@code layer<i>/w<p>}. The layers were built once, on a throwaway graph, to find their shapes;
 * a caller that runs them builds them again on its own graph.
 */
public record FrozenCheckpoint(
        ModelMetadata metadata,
        Architecture architecture,
        long[] inputShape,
        List<long[]> layerInputShapes,
        List<List<Param>> parameters) {

    /** Reads the checkpoint at {@code dir} (a SavedModel and its {@code otnn-model.json}). */
    public static FrozenCheckpoint read(Path dir) {
        // TensorFlow's natives read their environment once, when they load
        TensorFlowEnvironment.prepare();
        ModelMetadata metadata = ModelMetadata.read(dir.resolve(ModelMetadata.FILE_NAME));
        var a = metadata.architecture();
        Architecture arch = Presets.create(
                a.get("preset").asText(),
                a.get("constrained").asBoolean(),
                a.get("widthMultiplier").asDouble(),
                metadata.logitCount());
        List<String> recorded = new ArrayList<>();
        a.get("layers").forEach(l -> recorded.add(l.asText()));
        if (!arch.describeLayers().equals(recorded)) {
            throw new IllegalArgumentException("the preset rebuilds " + arch.describeLayers()
                    + " but the checkpoint has " + recorded + " (was -Dotnn.conv.norm set differently?)");
        }
        ModelMetadata.Input in = metadata.input();
        long[] inputShape = {in.height(), in.width(), in.channels()};
        List<long[]> shapes = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            long[] shape = inputShape;
            Random unused = new Random(0);
            for (int i = 0; i < arch.layers().size(); i++) {
                shapes.add(shape.clone());
                Layer layer = arch.layers().get(i);
                shape = layer.build(tf.withSubScope("layer" + i), shape, unused);
                counts.add(layer.inferenceParameters().size());
            }
        }
        List<List<Param>> parameters = new ArrayList<>();
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), SignatureContract.TAG)) {
            for (int i = 0; i < arch.layers().size(); i++) {
                List<Param> layer = new ArrayList<>();
                for (int p = 0; p < counts.get(i); p++) {
                    try (Result r = bundle.session()
                            .runner()
                            .fetch("layer" + i + "/w" + p)
                            .run()) {
                        layer.add(Param.of((TFloat32) r.get(0)));
                    }
                }
                parameters.add(List.copyOf(layer));
            }
        }
        return new FrozenCheckpoint(metadata, arch, inputShape, List.copyOf(shapes), List.copyOf(parameters));
    }

    /** The frozen parameter {@code p} of layer {@code layer}. */
    public Param parameter(int layer, int p) {
        return parameters.get(layer).get(p);
    }

    /** The number of logits (1 for a binary task). */
    public int logits() {
        return metadata.logitCount();
    }
}
