package io.tare.kernels.onnx;

import io.tare.kernels.conv.ConvGeometry;

/** Reads ONNX Conv / ConvInteger / QLinearConv attributes into a {@link ConvGeometry}. Test harness. */
final class ConvNode {
    private ConvNode() {
    }

    static ConvGeometry geometry(OnnxNodeCase c, OnnxTensor x, OnnxTensor w) {
        int h = x.dim(2), wd = x.dim(3);
        int kh = w.dim(2), kw = w.dim(3);
        long[] strides = c.intLists.getOrDefault("strides", new long[] {1, 1});
        long[] dil = c.intLists.getOrDefault("dilations", new long[] {1, 1});
        long[] pads = c.intLists.getOrDefault("pads", new long[] {0, 0, 0, 0});
        int group = (int) c.attr("group", 1L);
        String autoPad = c.strings.getOrDefault("auto_pad", "NOTSET");
        int pt = (int) pads[0], pl = (int) pads[1], pb = (int) pads[2], pr = (int) pads[3];
        if (autoPad.startsWith("SAME")) {
            int[] ph = samePads(h, kh, (int) strides[0], (int) dil[0], autoPad.equals("SAME_LOWER"));
            int[] pw = samePads(wd, kw, (int) strides[1], (int) dil[1], autoPad.equals("SAME_LOWER"));
            pt = ph[0];
            pb = ph[1];
            pl = pw[0];
            pr = pw[1];
        } else if (autoPad.equals("VALID")) {
            pt = pl = pb = pr = 0;
        }
        return new ConvGeometry(x.dim(1), h, wd, w.dim(0), kh, kw, (int) strides[0], (int) strides[1], (int) dil[0],
                (int) dil[1], pt, pl, pb, pr, group);
    }

    private static int[] samePads(int in, int k, int stride, int dil, boolean lower) {
        int out = (in + stride - 1) / stride;
        int total = Math.max(0, (out - 1) * stride + (k - 1) * dil + 1 - in);
        int small = total / 2;
        return lower ? new int[] {total - small, small} : new int[] {small, total - small};
    }
}
