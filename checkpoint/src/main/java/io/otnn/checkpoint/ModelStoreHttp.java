package io.otnn.checkpoint;

import java.util.regex.Pattern;

/**
 * How a model store serves checkpoints over HTTP, for the trainer service (which serves its store) and the explainer
 * (which fetches from it): {@code GET /models/{name}/{version}.tar.gz} answers the checkpoint as a gzip-compressed
 * tar of its directory, with the SHA-256 of its {@code MANIFEST.sha256} in {@link #MANIFEST_DIGEST_HEADER}.
 */
public final class ModelStoreHttp {

    /** The header that carries the manifest digest (lower-case hex), the same value as the announcement's. */
    public static final String MANIFEST_DIGEST_HEADER = "X-Otnn-Manifest-Digest";

    /** A model name the store accepts: it is a folder name and a URL path segment as it is. */
    public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private ModelStoreHttp() {}

    /** The path of one checkpoint, e.g. {@code /models/fashion-mnist-dense-otnn/3.tar.gz}. */
    public static String path(String modelName, int version) {
        requireModelName(modelName);
        if (version < 1) {
            throw new IllegalArgumentException("a model version is at least 1, not " + version);
        }
        return "/models/" + modelName + "/" + version + ".tar.gz";
    }

    /** @throws IllegalArgumentException when {@code modelName} does not match {@link #MODEL_NAME} */
    public static String requireModelName(String modelName) {
        if (modelName == null || !MODEL_NAME.matcher(modelName).matches()) {
            throw new IllegalArgumentException("model name '" + modelName
                    + "' is not 1 to 128 letters, digits, '.', '_' or '-' starting with a letter or digit");
        }
        return modelName;
    }
}
