package io.otnn.trainer.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.diagnostics.LipschitzAudit;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.model.Architecture;
import java.util.List;

/**
 * The Lipschitz constant L and certificate factor c a checkpoint records, from its frozen weights: L is the product
 * of each layer's sound bound ({@link LipschitzAudit#bounds}), so every logit is L-Lipschitz; c is the architecture's
 * factor, made smaller by a FrobeniusDense head's pairwise factor ({@link LipschitzAudit.Audit#marginCertificateFactor})
 * so that c·L bounds every margin f_k − f_j. A layer the audit cannot bound contributes its own
 * {@link Layer#lipschitzBound} (1 by construction for a constrained layer, a power-iteration estimate for an
 * unconstrained one); {@link #sound} then says the product is not proven.
 */
public record RecordedLipschitz(
        double lipschitzConstant, double certificateFactor, boolean sound, List<LipschitzAudit.Row> rows) {

    /** From the layers of {@code architecture}, their input shapes and their frozen inference parameters. */
    public static RecordedLipschitz of(
            Architecture architecture, List<long[]> layerInputShapes, List<List<Param>> params, int logits) {
        LipschitzAudit.Audit audit = LipschitzAudit.bounds(architecture, layerInputShapes, params, logits);
        if (audit.unbounded().isEmpty()) {
            return new RecordedLipschitz(audit.lipschitzBound(), audit.marginCertificateFactor(), true, audit.rows());
        }
        List<LipschitzAudit.Row> rows = audit.rows().stream()
                .map(r -> r.bounded() ? r : fallback(r, architecture.layers().get(r.index()), params.get(r.index())))
                .toList();
        LipschitzAudit.Audit completed = new LipschitzAudit.Audit(rows, audit.certificateFactor());
        return new RecordedLipschitz(
                completed.lipschitzBound(), completed.marginCertificateFactor(), false, completed.rows());
    }

    private static LipschitzAudit.Row fallback(LipschitzAudit.Row r, Layer layer, List<Param> params) {
        String how = layer.constrained()
                ? "not audited: 1 by the layer's construction"
                : "not audited: the layer's power-iteration estimate (from below)";
        return new LipschitzAudit.Row(
                r.index(), r.layer(), r.inputShape(), r.estimate(), layer.lipschitzBound(params), how);
    }

    /** The metadata's account of L: whether it is proven, the head's pairwise factor, and each layer's share. */
    public ObjectNode toJson() {
        ObjectNode o = ModelMetadata.object();
        o.put("sound", sound);
        o.put(
                "method",
                sound
                        ? "product of a sound bound of every layer's Lipschitz constant (LipschitzAudit)"
                        : "product of per-layer bounds, not all proven (see layers)");
        ArrayNode layers = o.putArray("layers");
        for (LipschitzAudit.Row r : rows) {
            ObjectNode l = layers.addObject();
            l.put("layer", r.layer());
            l.put("bound", r.bound());
            if (!Double.isNaN(r.pairwise())) l.put("pairwiseHeadBound", r.pairwise());
            l.put("how", r.how());
        }
        return o;
    }

    /** Sets {@code lipschitz} ({@link #toJson}) and {@code layerLipschitz} (each layer's bound) of an architecture. */
    public void writeTo(ObjectNode architecture) {
        architecture.set("lipschitz", toJson());
        ArrayNode perLayer = architecture.putArray("layerLipschitz");
        for (LipschitzAudit.Row r : rows) perLayer.add(r.bound());
    }
}
