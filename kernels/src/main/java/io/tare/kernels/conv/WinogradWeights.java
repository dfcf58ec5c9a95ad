package io.tare.kernels.conv;

/**
 * The int8 weights of a 3x3 convolution transformed once for exact integer Winograd F(2x2, 3x3)
 * ({@link io.tare.kernels.Kernels#winograd3x3}): for each output column j and input channel c, the
 * 3x3 kernel g becomes {@code G' g G'^T} with {@code G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2]}, four
 * times the usual transform so that every entry is an integer ({@code |.| <= 9 * 128}, int16). Laid
 * out for the native kernel: {@code [16 transform positions][panels of 16 columns][C / 2 channel
 * pairs][16 columns x 2 channels]}, columns past n zero. Immutable; shareable.
 */
public final class WinogradWeights {
    /** Channel counts the kernel takes: whole 16-channel vectors, at most this many. */
    public static final int MAX_CHANNELS = 64;
    /** Output columns the kernel takes, at most. */
    public static final int MAX_COLUMNS = 64;
    private static final int PANEL = 16;

    private final short[] data;
    private final int channels;
    private final int n;
    private final int panels;

    private WinogradWeights(short[] data, int channels, int n, int panels) {
        this.data = data;
        this.channels = channels;
        this.n = n;
        this.panels = panels;
    }

    /** Whether a 3x3 convolution with these channel and column counts fits the kernel. */
    public static boolean fits(int channels, int n) {
        return channels > 0 && channels % 16 == 0 && channels <= MAX_CHANNELS && n > 0 && n <= MAX_COLUMNS;
    }

    /**
     * Transforms signed 8-bit weights laid out {@code [n][3][3][channels]} (channels last, as the
     * window kernels' k order) starting at {@code off}.
     */
    public static WinogradWeights of(byte[] w, int off, int n, int channels) {
        if (!fits(channels, n)) {
            throw new IllegalArgumentException("Winograd weights need channels a multiple of 16 up to "
                    + MAX_CHANNELS + " and up to " + MAX_COLUMNS + " columns, got " + channels + ", " + n);
        }
        int panels = (n + PANEL - 1) / PANEL;
        short[] data = new short[16 * panels * channels * PANEL];
        int[][] g = new int[3][3];
        int[][] t = new int[4][3];
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < channels; c++) {
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        g[ky][kx] = w[off + ((j * 3 + ky) * 3 + kx) * channels + c];
                    }
                }
                for (int x = 0; x < 3; x++) { // G' g
                    t[0][x] = 2 * g[0][x];
                    t[1][x] = g[0][x] + g[1][x] + g[2][x];
                    t[2][x] = g[0][x] - g[1][x] + g[2][x];
                    t[3][x] = 2 * g[2][x];
                }
                for (int y = 0; y < 4; y++) { // (G' g) G'^T
                    int[] row = {2 * t[y][0], t[y][0] + t[y][1] + t[y][2], t[y][0] - t[y][1] + t[y][2], 2 * t[y][2]};
                    for (int x = 0; x < 4; x++) {
                        int p = y * 4 + x;
                        int panel = j / PANEL;
                        data[((p * panels + panel) * (channels / 2) + c / 2) * 32 + (j % PANEL) * 2 + (c & 1)] =
                                (short) row[x];
                    }
                }
            }
        }
        return new WinogradWeights(data, channels, n, panels);
    }

    /** The transformed weights in the kernel's layout; do not modify. */
    public short[] data() {
        return data;
    }

    public int channels() {
        return channels;
    }

    /** Output columns. */
    public int n() {
        return n;
    }

    /** 16-column panels. */
    public int panels() {
        return panels;
    }
}
