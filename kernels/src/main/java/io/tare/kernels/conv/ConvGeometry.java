package io.tare.kernels.conv;

/**
 * Shape arithmetic of a 2-D convolution over NCHW input (ONNX Conv attributes). Immutable.
 *
 * @param channels   C, input channels
 * @param height     H
 * @param width      W
 * @param outChannels M, output channels (weights [M, C/group, kh, kw])
 * @param pads       top, left, bottom, right
 */
public record ConvGeometry(int channels, int height, int width, int outChannels, int kernelH, int kernelW,
        int strideH, int strideW, int dilationH, int dilationW, int padTop, int padLeft, int padBottom,
        int padRight, int group) {

    public ConvGeometry {
        if (group < 1 || channels % group != 0 || outChannels % group != 0) {
            throw new IllegalArgumentException("channels " + channels + " and outChannels " + outChannels
                    + " must divide into " + group + " groups");
        }
        if (outHeightOf(height, kernelH, strideH, dilationH, padTop, padBottom) <= 0
                || outHeightOf(width, kernelW, strideW, dilationW, padLeft, padRight) <= 0) {
            throw new IllegalArgumentException("kernel larger than padded input");
        }
    }

    private static int outHeightOf(int in, int k, int stride, int dil, int p0, int p1) {
        return (in + p0 + p1 - dil * (k - 1) - 1) / stride + 1;
    }

    public int outHeight() {
        return outHeightOf(height, kernelH, strideH, dilationH, padTop, padBottom);
    }

    public int outWidth() {
        return outHeightOf(width, kernelW, strideW, dilationW, padLeft, padRight);
    }

    /** Output pixels per image: the GEMM's m. */
    public int outPixels() {
        return outHeight() * outWidth();
    }

    /** Input channels per group times the kernel window: the GEMM's k. */
    public int patchSize() {
        return channels / group * kernelH * kernelW;
    }

    /** Output channels per group: the GEMM's n. */
    public int groupOutChannels() {
        return outChannels / group;
    }

    public boolean isDepthwise() {
        return group == channels && group == outChannels;
    }
}
