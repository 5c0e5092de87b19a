package io.otnn.explain.render;

import io.otnn.checkpoint.ModelMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * Where everything of a labelled explanation panel goes, in pixels: an optional heading line across the top, then one
 * row of tiles — image, saliency, overlay, one counterfactual per step factor t, difference — each with a title band
 * of {@link #TITLE_LINES} lines over its picture and a colour-bar band under it. Pictures are the input enlarged by
 * an integer {@link #scale()} (nearest neighbour), so that a 28×28 image becomes 224×224.
 *
 * @param width   the panel's width
 * @param height  the panel's height
 * @param scale   screen pixels per input pixel
 * @param heading the heading line, or null when the panel has none
 * @param tiles   the tiles from left to right
 */
public record PanelLayout(int width, int height, int scale, Box heading, List<Tile> tiles) {

    /** The short side of an enlarged picture is at least this many pixels. */
    public static final int MIN_PICTURE_SIDE = 224;

    public static final int MIN_TILE_WIDTH = 200;
    public static final int MARGIN = 12;
    public static final int GAP = 16;
    public static final int HEADING_HEIGHT = 24;
    public static final int TITLE_LINES = 4;
    public static final int LINE_HEIGHT = 17;
    public static final int BAR_GAP = 6;
    public static final int BAR_HEIGHT = 12;
    public static final int BAR_LABEL_HEIGHT = 17;

    /** Tiles before the counterfactuals: image, saliency, overlay. */
    static final int LEADING_TILES = 3;

    /** An axis-aligned rectangle. */
    public record Box(int x, int y, int width, int height) {
        public boolean contains(int px, int py) {
            return px >= x && px < x + width && py >= y && py < y + height;
        }
    }

    /**
     * One tile.
     *
     * @param bounds    the whole tile
     * @param title     the title band
     * @param picture   the enlarged picture
     * @param bar       the colour bar, or null when the tile has none
     * @param barLabels the band under the colour bar with its figures, or null
     */
    public record Tile(Box bounds, Box title, Box picture, Box bar, Box barLabels) {}

    /** The layout of a panel with {@code counterfactuals} counterfactual tiles for pictures of {@code input}'s size. */
    public static PanelLayout of(ModelMetadata.Input input, int counterfactuals, boolean withHeading) {
        if (counterfactuals < 0)
            throw new IllegalArgumentException("counterfactuals must be >= 0, got " + counterfactuals);
        int side = Math.min(input.width(), input.height());
        int scale = Math.max(1, (MIN_PICTURE_SIDE + side - 1) / side);
        int pictureWidth = input.width() * scale;
        int pictureHeight = input.height() * scale;
        int tileWidth = Math.max(MIN_TILE_WIDTH, pictureWidth);
        int count = LEADING_TILES + counterfactuals + 1;
        Box heading =
                withHeading ? new Box(MARGIN, MARGIN, count * tileWidth + (count - 1) * GAP, HEADING_HEIGHT) : null;
        int titleY = MARGIN + (withHeading ? HEADING_HEIGHT + 4 : 0);
        int titleHeight = TITLE_LINES * LINE_HEIGHT + 4;
        int pictureY = titleY + titleHeight;
        int barY = pictureY + pictureHeight + BAR_GAP;
        int tileHeight = barY + BAR_HEIGHT + BAR_LABEL_HEIGHT - titleY;
        List<Tile> tiles = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int x = MARGIN + i * (tileWidth + GAP);
            int px = x + (tileWidth - pictureWidth) / 2;
            boolean hasBar = i == 1 || i == count - 1; // saliency and difference
            tiles.add(new Tile(
                    new Box(x, titleY, tileWidth, tileHeight),
                    new Box(x, titleY, tileWidth, titleHeight),
                    new Box(px, pictureY, pictureWidth, pictureHeight),
                    hasBar ? new Box(px, barY, pictureWidth, BAR_HEIGHT) : null,
                    hasBar ? new Box(x, barY + BAR_HEIGHT, tileWidth, BAR_LABEL_HEIGHT) : null));
        }
        int width = 2 * MARGIN + count * tileWidth + (count - 1) * GAP;
        return new PanelLayout(width, titleY + tileHeight + MARGIN, scale, heading, List.copyOf(tiles));
    }

    public Tile image() {
        return tiles.get(0);
    }

    public Tile saliency() {
        return tiles.get(1);
    }

    public Tile overlay() {
        return tiles.get(2);
    }

    /** The tile of the {@code i}-th counterfactual (in the order of the step factors). */
    public Tile counterfactual(int i) {
        if (i < 0 || i >= counterfactuals()) {
            throw new IndexOutOfBoundsException("counterfactual " + i + " of " + counterfactuals());
        }
        return tiles.get(LEADING_TILES + i);
    }

    public int counterfactuals() {
        return tiles.size() - LEADING_TILES - 1;
    }

    public Tile difference() {
        return tiles.get(tiles.size() - 1);
    }
}
