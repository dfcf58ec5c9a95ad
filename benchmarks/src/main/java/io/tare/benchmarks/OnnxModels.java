package io.tare.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds the tiny ONNX models the benchmarks run in ONNX Runtime, as ModelProto bytes written by
 * hand (opset 13, IR 8): FP32 MatMul, MatMulInteger (u8 x s8 -> int32), and dynamic
 * quantization (DynamicQuantizeLinear + MatMulInteger + Cast + Mul x2, which ORT fuses into
 * DynamicQuantizeMatMul). Weights are initializers.
 */
final class OnnxModels {
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6;

    private OnnxModels() {
    }

    static byte[] matMulFp32(int m, int k, int n, float[] w) {
        ProtoWriter g = new ProtoWriter()
                .message(1, node("MatMul", new String[] {"A", "W"}, new String[] {"Y"}, null))
                .string(2, "matmul")
                .message(5, tensor("W", FLOAT, new long[] {k, n}, floats(w)))
                .message(11, valueInfo("A", FLOAT, m, k))
                .message(12, valueInfo("Y", FLOAT, m, n));
        return model(g);
    }

    static byte[] matMulInteger(int m, int k, int n, byte[] w) {
        ProtoWriter g = new ProtoWriter()
                .message(1, node("MatMulInteger", new String[] {"A", "W", "a_zp", "w_zp"}, new String[] {"Y"}, null))
                .string(2, "matmulinteger")
                .message(5, tensor("W", INT8, new long[] {k, n}, w))
                .message(5, tensor("a_zp", UINT8, new long[] {}, new byte[] {(byte) 128}))
                .message(5, tensor("w_zp", INT8, new long[] {}, new byte[] {0}))
                .message(11, valueInfo("A", UINT8, m, k))
                .message(12, valueInfo("Y", INT32, m, n));
        return model(g);
    }

    static byte[] dynamicQuantMatMul(int m, int k, int n, byte[] w, float wScale) {
        ProtoWriter to = new ProtoWriter().string(1, "to").varint(3, FLOAT).varint(20, 2);
        ProtoWriter g = new ProtoWriter()
                .message(1, node("DynamicQuantizeLinear", new String[] {"A"}, new String[] {"Aq", "As", "Azp"}, null))
                .message(1, node("MatMulInteger", new String[] {"Aq", "W", "Azp", "w_zp"}, new String[] {"Yi"}, null))
                .message(1, node("Cast", new String[] {"Yi"}, new String[] {"Yf"}, to))
                .message(1, node("Mul", new String[] {"As", "w_scale"}, new String[] {"S"}, null))
                .message(1, node("Mul", new String[] {"Yf", "S"}, new String[] {"Y"}, null))
                .string(2, "dynamicquantmatmul")
                .message(5, tensor("W", INT8, new long[] {k, n}, w))
                .message(5, tensor("w_zp", INT8, new long[] {}, new byte[] {0}))
                .message(5, tensor("w_scale", FLOAT, new long[] {}, floats(new float[] {wScale})))
                .message(11, valueInfo("A", FLOAT, m, k))
                .message(12, valueInfo("Y", FLOAT, m, n));
        return model(g);
    }

    private static byte[] model(ProtoWriter graph) {
        ProtoWriter opset = new ProtoWriter().string(1, "").varint(2, 13);
        return new ProtoWriter().varint(1, 8).string(2, "tare-bench").message(7, graph).message(8, opset).toByteArray();
    }

    private static ProtoWriter node(String op, String[] in, String[] out, ProtoWriter attr) {
        ProtoWriter n = new ProtoWriter();
        for (String s : in) {
            n.string(1, s);
        }
        for (String s : out) {
            n.string(2, s);
        }
        n.string(4, op);
        if (attr != null) {
            n.message(5, attr);
        }
        return n;
    }

    private static ProtoWriter tensor(String name, int type, long[] dims, byte[] raw) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, type).string(8, name).bytes(9, raw);
    }

    private static ProtoWriter valueInfo(String name, int type, int rows, int cols) {
        ProtoWriter shape = new ProtoWriter()
                .message(1, new ProtoWriter().varint(1, rows))
                .message(1, new ProtoWriter().varint(1, cols));
        ProtoWriter tensorType = new ProtoWriter().varint(1, type).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }

    private static byte[] floats(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return bb.array();
    }
}
