package io.otnn.cli.demo;

import io.otnn.avro.EncodedTensor;
import io.otnn.avro.Explanation;
import io.otnn.avro.TensorEncoding;
import io.otnn.explain.checkpoint.ModelMetadata;
import io.otnn.explain.render.CompactTensor;
import io.otnn.explain.render.Renderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import javax.imageio.ImageIO;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes what an auditor looks at for a few explanations: the image, its saliency heatmap and overlay, the
 * counterfactual and the difference, decoded from the {@code Explanation} record itself (what a downstream consumer sees).
 */
final class ExplanationPictures {

    private static final int MIN_SIDE = 224;
    private static final int GAP = 8;

    private final Path out;
    private final int max;
    private final Renderer renderer;
    private final Map<String, float[]> originals;
    private int written;

    ExplanationPictures(Path out, int max, ModelMetadata metadata, Map<String, float[]> originals) {
        this.out = out;
        this.max = max;
        this.renderer = new Renderer(metadata.input());
        this.originals = originals;
    }

    /** Writes the pictures of {@code explanation} if fewer than {@code max} were written; returns its folder or null. */
    Path maybeWrite(Explanation explanation) throws IOException {
        float[] image = originals.get(explanation.getImageId());
        if (written >= max || image == null) {
            return null;
        }
        float[] saliency = decode(explanation.getSaliency());
        float[] counterfactual = decode(explanation.getCounterfactual().getImage());
        float[] difference = new float[image.length];
        for (int i = 0; i < image.length; i++) {
            difference[i] = counterfactual[i] - image[i];
        }
        Path dir = out.resolve(String.format(Locale.ROOT, "%02d-%s-to-%s", ++written,
                slug(explanation.getPredictedClassName()), slug(explanation.getCounterfactual().getTargetClassName())));
        Files.createDirectories(dir);
        Map<String, byte[]> pictures = new LinkedHashMap<>();
        pictures.put("image.png", renderer.image(image));
        pictures.put("saliency.png", renderer.heatmap(saliency));
        pictures.put("overlay.png", renderer.overlay(image, saliency, 0.6));
        pictures.put("counterfactual.png", renderer.image(counterfactual));
        pictures.put("difference.png", renderer.diverging(difference));
        List<BufferedImage> panels = new ArrayList<>();
        for (Map.Entry<String, byte[]> picture : pictures.entrySet()) {
            BufferedImage large = enlarge(ImageIO.read(new ByteArrayInputStream(picture.getValue())));
            ImageIO.write(large, "png", dir.resolve(picture.getKey()).toFile());
            panels.add(large);
        }
        ImageIO.write(sideBySide(panels), "png", dir.resolve("panel.png").toFile());
        Files.writeString(dir.resolve("explanation.txt"), String.format(Locale.ROOT,
                "image %s%nclass %s (%d), runner-up %s (%d)%ncertified L2 radius %.4f (c = %.4f, L = %.4f)%n"
                        + "counterfactual toward %s at t = %.2f: L2 distance %.4f, model says %d, residual g(x_delta) = %.5f%n",
                explanation.getImageId(), explanation.getPredictedClassName(), explanation.getPredictedClass(),
                explanation.getRunnerUpClassName(), explanation.getRunnerUpClass(),
                explanation.getCertificate().getRadius(), explanation.getCertificate().getFactor(),
                explanation.getCertificate().getLipschitz(), explanation.getCounterfactual().getTargetClassName(),
                explanation.getCounterfactual().getT(), explanation.getCounterfactual().getDistance(),
                explanation.getCounterfactual().getPredictedClass(), explanation.getCounterfactual().getBoundaryResidual()));
        return dir;
    }

    /** Nearest-neighbour enlargement so that small inputs (28×28) are visible; pixels stay crisp. */
    private static BufferedImage enlarge(BufferedImage small) {
        int factor = Math.max(1, MIN_SIDE / Math.max(1, Math.min(small.getWidth(), small.getHeight())));
        BufferedImage large = new BufferedImage(small.getWidth() * factor, small.getHeight() * factor,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = large.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(small, 0, 0, large.getWidth(), large.getHeight(), null);
        g.dispose();
        return large;
    }

    /** image | saliency | overlay | counterfactual | difference, on a white background. */
    private static BufferedImage sideBySide(List<BufferedImage> panels) {
        int width = panels.stream().mapToInt(BufferedImage::getWidth).sum() + GAP * (panels.size() + 1);
        int height = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(0) + 2 * GAP;
        BufferedImage strip = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = strip.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int x = GAP;
        for (BufferedImage panel : panels) {
            g.drawImage(panel, x, GAP, null);
            x += panel.getWidth() + GAP;
        }
        g.dispose();
        return strip;
    }

    int written() {
        return written;
    }

    private static float[] decode(EncodedTensor tensor) {
        if (tensor.getEncoding() != TensorEncoding.PNG_U8) {
            throw new IllegalArgumentException("the demo renders PNG_U8 tensors, got " + tensor.getEncoding());
        }
        int[] shape = tensor.getShape().stream().mapToInt(Integer::intValue).toArray();
        return new CompactTensor(bytes(tensor.getData()), shape, tensor.getScale(), tensor.getOffset()).decode();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
