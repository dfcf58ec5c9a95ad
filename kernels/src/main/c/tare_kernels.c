/*
 * Tare native INT8 kernels, called from Java through FFM (io.tare.kernels.foreign.NativeKernels).
 *
 * Weights are packed by Java (PackedInt8Matrix, layout K4_INTERLEAVED, panel width 16): inside a
 * panel, k-group g (4 consecutive k) of column j holds its 4 signed bytes at g*64 + j*4. That is
 * the operand order of VPDPBUSD (u8 x s8, four products summed into one int32 lane, no
 * saturation) and, widened to 16 bits, of VPMADDWD.
 *
 * The file is compiled without -m flags; each kernel carries its own target attribute and Java
 * only calls the one that tare_isa() reports (or a lower one that a test forces), so the library
 * loads on any x86-64 CPU.
 *
 * All results are exact int32 sums (int8 kernels) or FP32 sums (w8a32). No allocation, no state,
 * thread-safe.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define NR 16

enum { ISA_NONE = 0, ISA_AVX2 = 1, ISA_AVXVNNI = 2, ISA_AVX512VNNI = 3, ISA_AMX = 4 };

/* tare_amx.c */
int tare_amx_available(void);
void tare_int8_amx(const uint8_t *a, int lda, int m, int kp, const int8_t *b, int panels, int nvalid, int32_t *c,
        int ldc);

int tare_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni") && tare_amx_available()) {
        return ISA_AMX;
    }
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512f")) {
        return ISA_AVX512VNNI;
    }
    if (__builtin_cpu_supports("avxvnni") && __builtin_cpu_supports("avx2")) {
        return ISA_AVXVNNI;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return ISA_AVX2;
    }
    return ISA_NONE;
}

static inline int32_t load_u32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline int valid_cols(int nvalid, int p) {
    int v = nvalid - p * NR;
    return v > NR ? NR : v;
}

/* ---------- AVX2: widen to 16 bits, VPMADDWD (exact: |u8 * s8| <= 32640 fits int16) ---------- */

/* acc0 = cols 0-3 as [c0 c0 c1 c1 | c2 c2 c3 c3] pair sums; acc1 = cols 4-7. Returns cols 0-7. */
__attribute__((target("avx2"))) static inline __m256i reduce_pairs(__m256i acc0, __m256i acc1) {
    __m256i h = _mm256_hadd_epi32(acc0, acc1); /* [c0 c1 c4 c5 | c2 c3 c6 c7] */
    return _mm256_permutevar8x32_epi32(h, _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7));
}

__attribute__((target("avx2"))) static inline void store_cols(int32_t *c, __m256i lo, __m256i hi, int valid) {
    if (valid == NR) {
        _mm256_storeu_si256((__m256i *) c, lo);
        _mm256_storeu_si256((__m256i *) (c + 8), hi);
    } else {
        int32_t tmp[NR];
        _mm256_storeu_si256((__m256i *) tmp, lo);
        _mm256_storeu_si256((__m256i *) (tmp + 8), hi);
        memcpy(c, tmp, sizeof(int32_t) * valid);
    }
}

__attribute__((target("avx2"), always_inline)) static inline void avx2_tile(int rows, const uint8_t *a, int lda,
        int groups, const int8_t *pb, int32_t *c, int ldc, int valid) {
    __m256i acc[2][4];
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < 4; q++) {
            acc[r][q] = _mm256_setzero_si256();
        }
    }
    for (int g = 0; g < groups; g++) {
        const int8_t *bg = pb + g * 64;
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) bg));
        __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) (bg + 16)));
        __m256i b2 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) (bg + 32)));
        __m256i b3 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) (bg + 48)));
        for (int r = 0; r < rows; r++) {
            __m256i av = _mm256_cvtepu8_epi16(_mm_set1_epi32(load_u32(a + r * lda + g * 4)));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, b0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, b1));
            acc[r][2] = _mm256_add_epi32(acc[r][2], _mm256_madd_epi16(av, b2));
            acc[r][3] = _mm256_add_epi32(acc[r][3], _mm256_madd_epi16(av, b3));
        }
    }
    for (int r = 0; r < rows; r++) {
        store_cols(c + r * ldc, reduce_pairs(acc[r][0], acc[r][1]), reduce_pairs(acc[r][2], acc[r][3]), valid);
    }
}

/*
 * Blocked AVX2 path for m >= AVX2_BLOCKED_MIN_ROWS. Both operands are widened to int16 once per
 * K block into stack buffers, so the inner loop is nothing but broadcast, VPMADDWD and VPADDD:
 *  - A rows -> aw[r][k] (u8 -> s16), reused by every panel of the call;
 *  - each panel's K block -> bw in "K2" order, k pair q of columns 0-7 in one ymm and of 8-15 in
 *    the next ([c0k0 c0k1 c1k0 c1k1 ...]), reused by every row tile; so each int32 lane of an
 *    accumulator is one column and no reduction is needed at the end.
 * Register tile: 6 rows x 16 columns = 12 accumulators + 2 B + 1 A of the 16 ymm registers. Per k
 * pair: 12 VPMADDWD (two per cycle on Zen 3) + 12 adds: up to 32 MAC/cycle, the same peak as MLAS's
 * VPMADDUBSW path, but exact: A is 0..255 and B + B_OFFSET is 0..255 as int16, so products are at
 * most 65025, pairs of them fit int32, and no int16 saturation happens anywhere (VPMADDUBSW would
 * saturate a u8 x s8 pair sum above 32767). The int32 sums wrap exactly like the scalar
 * reference's int arithmetic.
 * KC = 256: a panel's block is 16 x 256 x 2 B = 8 KiB (L1), the A block 64 x 256 x 2 B = 32 KiB (L2).
 */
#define KC 256
#define MR 6
/*
 * B is widened as b + B_OFFSET (0..255), so every VPMADDWD lane result a0*b0' + a1*b1' is in
 * [0, 2 * 255 * 255] and a K block's lane sum stays below 2^32 (KC/2 * 130050 < 2^25). The
 * accumulators can then be summed with VPADDQ, which cannot carry from one int32 lane into the next
 * when both are non-negative and below 2^32 as unsigned values: bit for bit the same as VPADDD.
 * Why bother: on Zen 3, VPADDD fed by VPMADDWD ran this tile at ~13 cycles per k pair, VPADDQ at
 * ~8.5 (measured; the reason is not documented). The offset is removed exactly at the end:
 * sum a*b = sum a*(b + 128) - 128 * sum a.
 */
#define B_OFFSET 128
/* Below this many rows, widening each panel into a buffer costs more than it saves (measured on
 * Zen 3: 6 rows 81 vs 101 GOP/s direct, 12 rows 111 vs 99, 64 rows 137 vs 100). */
#define AVX2_BLOCKED_MIN_ROWS 10
#define AVX2_MAX_ROWS 64

/* K4 s8 -> K2 s16 (plus `offset`: B_OFFSET or 0) for groups [0, groups) of one panel. Within a
 * 128-bit lane the bytes are [c0k0 c0k1 c0k2 c0k3 c1k0 ...]: gather the (k0,k1) words to the low half
 * and (k2,k3) to the high half, then swap the middle qwords so each 128-bit half holds one k pair for
 * 8 columns. */
__attribute__((target("avx2"))) static void widen_b_k2(const int8_t *pb, int groups, int16_t *bw, int16_t b_offset) {
    const __m256i pairs = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
            0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
    const __m256i offset = _mm256_set1_epi16(b_offset);
    for (int g = 0; g < groups; g++) {
        for (int h = 0; h < 2; h++) {
            __m256i x = _mm256_loadu_si256((const __m256i *) (pb + g * 64 + h * 32));
            x = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(x, pairs), 0xD8);
            _mm256_storeu_si256((__m256i *) (bw + (2 * g) * 32 + h * 16),
                    _mm256_add_epi16(_mm256_cvtepi8_epi16(_mm256_castsi256_si128(x)), offset));
            _mm256_storeu_si256((__m256i *) (bw + (2 * g + 1) * 32 + h * 16),
                    _mm256_add_epi16(_mm256_cvtepi8_epi16(_mm256_extracti128_si256(x, 1)), offset));
        }
    }
}

/* u8 -> s16 for rows [0, m) and columns [0, kc) (kc a multiple of 4); rowsum[r] = sum of the row. */
__attribute__((target("avx2"))) static void widen_a(const uint8_t *a, int lda, int m, int kc, int16_t *aw,
        int32_t *rowsum) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int r = 0; r < m; r++) {
        const uint8_t *src = a + (size_t) r * lda;
        int16_t *dst = aw + r * KC;
        __m256i sum = _mm256_setzero_si256();
        int k = 0;
        for (; k + 16 <= kc; k += 16) {
            __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (src + k)));
            _mm256_storeu_si256((__m256i *) (dst + k), w);
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(w, ones));
        }
        int32_t lanes[8];
        _mm256_storeu_si256((__m256i *) lanes, sum);
        int32_t s = 0;
        for (int l = 0; l < 8; l++) {
            s += lanes[l];
        }
        for (; k < kc; k++) {
            dst[k] = src[k];
            s += src[k];
        }
        rowsum[r] = s;
    }
}

/*
 * A's rows given as convolution windows (implicit im2col): row i is the kh runs of `run` bytes at
 * src + off[i * kh + t], back to back, k = kh * run; bytes past k (up to kp) read as zero.
 */
typedef struct {
    const uint8_t *src;
    const int32_t *off;
    int kh;
    int run;
} windows;

/* widen_a for window rows: the same int16 row block and row sums, gathered while widening, so the
 * patch rows are never written out. A row's [kb, kb + kc) is cut into pieces at window-row edges. */
__attribute__((target("avx2"))) static void widen_a_windows(const windows *w, int kb, int m, int kc, int16_t *aw,
        int32_t *rowsum) {
    const __m256i ones = _mm256_set1_epi16(1);
    int k = w->kh * w->run;
    int end = kb + kc < k ? kb + kc : k;
    /* the window row and offset in it where byte kb lies: the same for every row */
    int first_run = kb / w->run;
    int first_in = kb - first_run * w->run;
    if (w->run % 16 == 0) {
        /* Window rows of whole 16-byte chunks (every layer with C a multiple of 16): where each chunk
         * of the block comes from is the same for every row, so it is worked out once. */
        int chunks = (end - kb) / 16;
        int32_t run_of[KC / 16];
        int32_t in_of[KC / 16];
        for (int q = 0, t = first_run, in = first_in; q < chunks; q++) {
            run_of[q] = t;
            in_of[q] = in;
            in += 16;
            if (in == w->run) {
                t++;
                in = 0;
            }
        }
        for (int r = 0; r < m; r++) {
            const int32_t *off = w->off + (size_t) r * w->kh;
            int16_t *dst = aw + r * KC;
            __m256i sum = _mm256_setzero_si256();
            for (int q = 0; q < chunks; q++) {
                const uint8_t *p = w->src + off[run_of[q]] + in_of[q];
                __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) p));
                _mm256_storeu_si256((__m256i *) (dst + 16 * q), x);
                sum = _mm256_add_epi32(sum, _mm256_madd_epi16(x, ones));
            }
            for (int j = 16 * chunks; j < kc; j++) {
                dst[j] = 0;
            }
            __m128i h = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
            rowsum[r] = _mm_cvtsi128_si32(h);
        }
        return;
    }
    for (int r = 0; r < m; r++) {
        const int32_t *off = w->off + (size_t) r * w->kh;
        int16_t *dst = aw + r * KC;
        __m256i sum = _mm256_setzero_si256();
        int32_t s = 0;
        int j = 0; /* position in the block: row byte kb + j */
        int t = first_run;
        int in = first_in;
        while (kb + j < end) {
            int len = w->run - in < end - kb - j ? w->run - in : end - kb - j;
            const uint8_t *p = w->src + off[t] + in;
            int i = 0;
            for (; i + 16 <= len; i += 16) {
                __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (p + i)));
                _mm256_storeu_si256((__m256i *) (dst + j + i), x);
                sum = _mm256_add_epi32(sum, _mm256_madd_epi16(x, ones));
            }
            for (; i < len; i++) {
                dst[j + i] = p[i];
                s += p[i];
            }
            j += len;
            t++;
            in = 0;
        }
        for (; j < kc; j++) {
            dst[j] = 0;
        }
        int32_t lanes[8];
        _mm256_storeu_si256((__m256i *) lanes, sum);
        for (int l = 0; l < 8; l++) {
            s += lanes[l];
        }
        rowsum[r] = s;
    }
}

__attribute__((target("avx2"))) static inline void store_or_add(int32_t *c, __m256i lo, __m256i hi, int valid,
        int accumulate) {
    if (accumulate) {
        if (valid == NR) {
            lo = _mm256_add_epi32(lo, _mm256_loadu_si256((const __m256i *) c));
            hi = _mm256_add_epi32(hi, _mm256_loadu_si256((const __m256i *) (c + 8)));
        } else {
            int32_t tmp[NR] = {0};
            memcpy(tmp, c, sizeof(int32_t) * valid);
            lo = _mm256_add_epi32(lo, _mm256_loadu_si256((const __m256i *) tmp));
            hi = _mm256_add_epi32(hi, _mm256_loadu_si256((const __m256i *) (tmp + 8)));
        }
    }
    store_cols(c, lo, hi, valid);
}

__attribute__((target("avx2"), always_inline)) static inline void avx2_k2_tile(int rows, const int16_t *aw,
        const int32_t *rowsum, int pairs, const int16_t *bw, int32_t *c, int ldc, int valid, int accumulate) {
    __m256i acc[MR][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_si256();
        acc[r][1] = _mm256_setzero_si256();
    }
    for (int q = 0; q < pairs; q++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *) (bw + q * 32));
        __m256i b1 = _mm256_loadu_si256((const __m256i *) (bw + q * 32 + 16));
        for (int r = 0; r < rows; r++) {
            int32_t pair;
            memcpy(&pair, aw + r * KC + 2 * q, 4);
            __m256i av = _mm256_set1_epi32(pair);
            /* 64-bit adds of two int32 lanes: exact because no lane ever carries (see B_OFFSET). */
            acc[r][0] = _mm256_add_epi64(acc[r][0], _mm256_madd_epi16(av, b0));
            acc[r][1] = _mm256_add_epi64(acc[r][1], _mm256_madd_epi16(av, b1));
        }
    }
    for (int r = 0; r < rows; r++) {
        __m256i fix = _mm256_set1_epi32(B_OFFSET * rowsum[r]);
        store_or_add(c + r * ldc, _mm256_sub_epi32(acc[r][0], fix), _mm256_sub_epi32(acc[r][1], fix), valid,
                accumulate);
    }
}

#define AVX2_K2_ROWS(R)                                                                                       \
    avx2_k2_tile(R, aw + i * KC, rowsum + i, pairs, bw, cp + (size_t) i * ldc, ldc, valid, kb > 0)

/* win != NULL: A's rows are win's window rows (a and lda unused). */
__attribute__((target("avx2"))) static void int8_avx2_blocked(const uint8_t *a, int lda, const windows *win, int m,
        int kp, const int8_t *b, int panels, int nvalid, int32_t *c, int ldc) {
    int16_t aw[AVX2_MAX_ROWS * KC] __attribute__((aligned(32)));
    int16_t bw[KC * NR] __attribute__((aligned(32)));
    int32_t rowsum[AVX2_MAX_ROWS];
    for (int kb = 0; kb < kp; kb += KC) {
        int kc = kp - kb < KC ? kp - kb : KC;
        int pairs = kc / 2;
        if (win != NULL) {
            widen_a_windows(win, kb, m, kc, aw, rowsum);
        } else {
            widen_a(a + kb, lda, m, kc, aw, rowsum);
        }
        for (int p = 0; p < panels; p++) {
            widen_b_k2(b + (size_t) p * kp * NR + (size_t) kb * NR, kc / 4, bw, B_OFFSET);
            int valid = valid_cols(nvalid, p);
            int32_t *cp = c + p * NR;
            int i = 0;
            for (; i + MR <= m; i += MR) {
                AVX2_K2_ROWS(6);
            }
            switch (m - i) {
                case 5: AVX2_K2_ROWS(5); break;
                case 4: AVX2_K2_ROWS(4); break;
                case 3: AVX2_K2_ROWS(3); break;
                case 2: AVX2_K2_ROWS(2); break;
                case 1: AVX2_K2_ROWS(1); break;
                default: break;
            }
        }
    }
}

/*
 * Window rows read in place (AVX2, implicit im2col without widening A row by row). The windows of a
 * block of output pixels overlap (a 3x3 stride-1 window shares two thirds of its bytes with its
 * neighbour's), so widening each patch row into `aw` as int8_avx2_blocked does widens every image
 * byte up to kh * kw times. Here the bytes the block's windows cover, [min offset, max offset + run),
 * are widened to int16 once, and each tile row broadcasts its k pairs straight from that copy at
 * its window-row offsets. B is widened once per panel for all of k (no K blocks: a tile keeps its
 * accumulators in registers across all kh window rows).
 * No B_OFFSET and no row sums here: the accumulators add with VPADDD, which measured as fast as
 * VPADDQ for this loop (Zen 3, 138-151 us per Fashion-MNIST image either way), and int32 adds wrap
 * exactly like the scalar reference's int arithmetic.
 * A window row whose length is odd (the first layer of a CNN: 3 x 1 channel) is read as `rp` =
 * run + 1 elements, the extra one (the next byte of the image, or a zero past the span) meeting a
 * zero row of B, so it adds nothing. B is then widened run by run (widen_b_runs) instead of in
 * whole k groups, since a k group of the packed panel may straddle two window rows.
 * Takes the call when kh * rp <= WIN_MAX_K and the covered bytes < WIN_MAX_SPAN; returns 0
 * otherwise and the caller uses int8_avx2_blocked.
 */
#define WIN_MAX_K 1024
#define WIN_MAX_SPAN 16384

/* One panel of B in K2 order (as widen_b_k2, no offset) for window rows of `run` k each, each
 * followed by rp - run zero rows: window row t's pair q holds k = t * run + 2q, 2q + 1 (zero where
 * 2q + h >= run). Reads B k by k from its K4 groups; only for runs that are not whole groups
 * (a first layer's 3 x 1 channel), where B is a few hundred bytes. */
static void widen_b_runs(const int8_t *pb, int kh, int run, int rp, int16_t *bw) {
    for (int t = 0; t < kh; t++) {
        for (int q = 0; q < rp / 2; q++) {
            int16_t *d = bw + ((size_t) t * rp / 2 + q) * 32;
            for (int j = 0; j < NR; j++) {
                for (int h = 0; h < 2; h++) {
                    int kk = 2 * q + h;
                    int k = t * run + kk;
                    d[j * 2 + h] = kk < run ? pb[(k / 4) * 64 + j * 4 + k % 4] : 0;
                }
            }
        }
    }
}

__attribute__((target("avx2"), always_inline)) static inline void avx2_window_tile(int rows, const int16_t *img,
        const int32_t *off, int kh, int rp, const int16_t *bw, int32_t *c, int ldc, int valid) {
    __m256i acc[MR][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_si256();
        acc[r][1] = _mm256_setzero_si256();
    }
    int pairs = rp / 2;
    for (int t = 0; t < kh; t++) {
        const int16_t *ap[MR];
        for (int r = 0; r < rows; r++) {
            ap[r] = img + off[r * kh + t];
        }
        const int16_t *bt = bw + (size_t) t * rp * NR;
        for (int q = 0; q < pairs; q++) {
            __m256i b0 = _mm256_loadu_si256((const __m256i *) (bt + q * 32));
            __m256i b1 = _mm256_loadu_si256((const __m256i *) (bt + q * 32 + 16));
            for (int r = 0; r < rows; r++) {
                int32_t pair;
                memcpy(&pair, ap[r] + 2 * q, 4);
                __m256i av = _mm256_set1_epi32(pair);
                acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, b0));
                acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, b1));
            }
        }
    }
    for (int r = 0; r < rows; r++) {
        store_cols(c + r * ldc, acc[r][0], acc[r][1], valid);
    }
}

#define AVX2_WINDOW_ROWS(R)                                                                                  \
    avx2_window_tile(R, img, w->off + (size_t) i * kh, kh, rp, bw, cp + (size_t) i * ldc, ldc, valid)

__attribute__((target("avx2"))) static int int8_avx2_windows(const windows *w, int m, int kp, const int8_t *b,
        int panels, int nvalid, int32_t *c, int ldc) {
    int kh = w->kh;
    int run = w->run;
    int rp = (run + 1) & ~1;
    if (kh * rp > WIN_MAX_K) {
        return 0;
    }
    int lo = w->off[0];
    int hi = w->off[0];
    for (int i = 1; i < m * kh; i++) {
        int o = w->off[i];
        lo = o < lo ? o : lo;
        hi = o > hi ? o : hi;
    }
    int span = hi + run - lo;
    if (span + (rp - run) > WIN_MAX_SPAN) {
        return 0;
    }
    int16_t wide[WIN_MAX_SPAN] __attribute__((aligned(32)));
    int16_t bw[WIN_MAX_K * NR] __attribute__((aligned(32)));
    const uint8_t *s = w->src + lo;
    int k = 0;
    for (; k + 16 <= span; k += 16) {
        _mm256_store_si256((__m256i *) (wide + k), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (s + k))));
    }
    for (; k < span; k++) {
        wide[k] = s[k];
    }
    if (rp > run) {
        wide[span] = 0; /* read by the last window's padded element */
    }
    const int16_t *img = wide - lo; /* img + off = the widened byte at src + off */
    for (int p = 0; p < panels; p++) {
        const int8_t *pb = b + (size_t) p * kp * NR;
        if (run % 4 == 0) {
            widen_b_k2(pb, kp / 4, bw, 0); /* window rows are whole k groups: k == kp == kh * rp */
        } else {
            widen_b_runs(pb, kh, run, rp, bw);
        }
        int valid = valid_cols(nvalid, p);
        int32_t *cp = c + p * NR;
        int i = 0;
        for (; i + MR <= m; i += MR) {
            AVX2_WINDOW_ROWS(6);
        }
        switch (m - i) {
            case 5: AVX2_WINDOW_ROWS(5); break;
            case 4: AVX2_WINDOW_ROWS(4); break;
            case 3: AVX2_WINDOW_ROWS(3); break;
            case 2: AVX2_WINDOW_ROWS(2); break;
            case 1: AVX2_WINDOW_ROWS(1); break;
            default: break;
        }
    }
    return 1;
}

/*
 * 3x3 stride-1 convolution by exact integer Winograd F(2x2, 3x3) (AVX2): the raw sums
 * out[(oy * ow + ox) * n + j] = sum_{ky, kx, c} img[((oy + ky) * wp + ox + kx) * C + c] * w[j][ky][kx][c]
 * of the window kernels, with 2.25x fewer multiplications. Per 2x2 output tile: the 4x4 input patch
 * is transformed with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] on both sides (int16: |.| <= 4 * 255),
 * multiplied per transform position by weights transformed with G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2]
 * (4x the usual transform, so integers: |.| <= 9 * 128; made once in Java, WinogradWeights) in 16
 * GEMMs over the channels (VPMADDWD, the window kernel's 6x16 tile), and transformed back with
 * A^T = [1 1 1 0; 0 1 -1 -1]. That gives 4x the sum, exactly (integer algebra, int32 wrap-around
 * only in intermediate values; the true 4x sum fits int32 for C <= 64), so an arithmetic shift by 2
 * is exact. Input pixels past the image (odd output sizes) read as 0: they only feed outputs that
 * are not written. u: [16 positions][panels][C / 2 pairs][32], K2 order as widen_b_k2 writes it.
 * Needs C % 16 == 0, C <= WINO_MAX_C, panels * 16 <= WINO_MAX_N.
 */
#define WINO_TILES 12
#define WINO_MAX_C 64
#define WINO_MAX_N 64

__attribute__((target("avx2"))) void tare_winograd_3x3(const uint8_t *img, int hp, int wp, int c, int oh, int ow,
        const int16_t *u, int panels, int n, int32_t *out) {
    int16_t v[16 * WINO_TILES * WINO_MAX_C] __attribute__((aligned(32)));
    int32_t mres[16 * WINO_TILES * WINO_MAX_N] __attribute__((aligned(32)));
    int th = (oh + 1) / 2;
    int tw = (ow + 1) / 2;
    int tiles = th * tw;
    int npad = panels * NR;
    for (int t0 = 0; t0 < tiles; t0 += WINO_TILES) {
        int nt = tiles - t0 < WINO_TILES ? tiles - t0 : WINO_TILES;
        /* input transform, 16 channels a step: v[p][t][c] */
        for (int t = 0; t < nt; t++) {
            int ty = (t0 + t) / tw;
            int tx = (t0 + t) % tw;
            for (int ch = 0; ch < c; ch += 16) {
                __m256i d[4][4];
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        int y = 2 * ty + i;
                        int x = 2 * tx + j;
                        d[i][j] = y < hp && x < wp
                                ? _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (img + ((size_t) y * wp + x) * c + ch)))
                                : _mm256_setzero_si256();
                    }
                }
                __m256i r[4][4];
                for (int j = 0; j < 4; j++) {
                    r[0][j] = _mm256_sub_epi16(d[0][j], d[2][j]);
                    r[1][j] = _mm256_add_epi16(d[1][j], d[2][j]);
                    r[2][j] = _mm256_sub_epi16(d[2][j], d[1][j]);
                    r[3][j] = _mm256_sub_epi16(d[1][j], d[3][j]);
                }
                for (int i = 0; i < 4; i++) {
                    __m256i e[4] = {_mm256_sub_epi16(r[i][0], r[i][2]), _mm256_add_epi16(r[i][1], r[i][2]),
                            _mm256_sub_epi16(r[i][2], r[i][1]), _mm256_sub_epi16(r[i][1], r[i][3])};
                    for (int j = 0; j < 4; j++) {
                        _mm256_store_si256((__m256i *) (v + ((size_t) (i * 4 + j) * WINO_TILES + t) * c + ch), e[j]);
                    }
                }
            }
        }
        /* 16 GEMMs [nt x C] x [C x n] into mres[p][t][npad] */
        for (int p = 0; p < 16; p++) {
            const int16_t *vp = v + (size_t) p * WINO_TILES * c;
            int32_t *mp = mres + (size_t) p * WINO_TILES * npad;
            for (int panel = 0; panel < panels; panel++) {
                const int16_t *bw = u + ((size_t) p * panels + panel) * (c / 2) * 32;
                int32_t off[MR];
                int i = 0;
                for (; i + MR <= nt; i += MR) {
                    for (int r = 0; r < MR; r++) {
                        off[r] = (i + r) * c;
                    }
                    avx2_window_tile(MR, vp, off, 1, c, bw, mp + (size_t) i * npad + panel * NR, npad, NR);
                }
                for (; i < nt; i++) {
                    off[0] = i * c;
                    avx2_window_tile(1, vp, off, 1, c, bw, mp + (size_t) i * npad + panel * NR, npad, NR);
                }
            }
        }
        /* output transform, 8 columns a step, then the exact division by 4 */
        for (int t = 0; t < nt; t++) {
            int ty = (t0 + t) / tw;
            int tx = (t0 + t) % tw;
            for (int col = 0; col < n; col += 8) {
                __m256i m[4][4];
                for (int p = 0; p < 16; p++) {
                    m[p / 4][p % 4] = _mm256_load_si256((const __m256i *) (mres + ((size_t) p * WINO_TILES + t) * npad + col));
                }
                __m256i srow[2][4];
                for (int j = 0; j < 4; j++) {
                    srow[0][j] = _mm256_add_epi32(_mm256_add_epi32(m[0][j], m[1][j]), m[2][j]);
                    srow[1][j] = _mm256_sub_epi32(_mm256_sub_epi32(m[1][j], m[2][j]), m[3][j]);
                }
                int cnt = n - col < 8 ? n - col : 8;
                for (int i = 0; i < 2; i++) {
                    int oy = 2 * ty + i;
                    if (oy >= oh) {
                        continue;
                    }
                    __m256i y[2] = {
                            _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(srow[i][0], srow[i][1]), srow[i][2]), 2),
                            _mm256_srai_epi32(_mm256_sub_epi32(_mm256_sub_epi32(srow[i][1], srow[i][2]), srow[i][3]), 2)};
                    for (int j = 0; j < 2 && 2 * tx + j < ow; j++) {
                        int32_t *o = out + ((size_t) oy * ow + 2 * tx + j) * n + col;
                        if (cnt == 8) {
                            _mm256_storeu_si256((__m256i *) o, y[j]);
                        } else {
                            int32_t tmp[8];
                            _mm256_storeu_si256((__m256i *) tmp, y[j]);
                            memcpy(o, tmp, sizeof(int32_t) * cnt);
                        }
                    }
                }
            }
        }
    }
}

/* Direct path for a few rows (batch 1, decode): widening B per use costs no more than widening it
 * into a buffer that only 1-3 rows would read. */
__attribute__((target("avx2"))) static void int8_avx2_direct(const uint8_t *a, int lda, int m, int kp,
        const int8_t *b, int panels, int nvalid, int32_t *c, int ldc) {
    int groups = kp / 4;
    for (int p = 0; p < panels; p++) {
        const int8_t *pb = b + (size_t) p * kp * NR;
        int valid = valid_cols(nvalid, p);
        int i = 0;
        for (; i + 2 <= m; i += 2) {
            avx2_tile(2, a + (size_t) i * lda, lda, groups, pb, c + (size_t) i * ldc + p * NR, ldc, valid);
        }
        for (; i < m; i++) {
            avx2_tile(1, a + (size_t) i * lda, lda, groups, pb, c + (size_t) i * ldc + p * NR, ldc, valid);
        }
    }
}

__attribute__((target("avx2"))) static void int8_avx2(const uint8_t *a, int lda, int m, int kp, const int8_t *b,
        int panels, int nvalid, int32_t *c, int ldc) {
    if (m < AVX2_BLOCKED_MIN_ROWS) {
        int8_avx2_direct(a, lda, m, kp, b, panels, nvalid, c, ldc);
        return;
    }
    /* The stack buffer holds AVX2_MAX_ROWS rows: longer calls go through in row blocks. */
    for (int i0 = 0; i0 < m; i0 += AVX2_MAX_ROWS) {
        int rows = m - i0 < AVX2_MAX_ROWS ? m - i0 : AVX2_MAX_ROWS;
        int8_avx2_blocked(a + (size_t) i0 * lda, lda, NULL, rows, kp, b, panels, nvalid, c + (size_t) i0 * ldc, ldc);
    }
}

/*
 * ---------- AVX2 for weights in [-64, 63]: VPMADDUBSW, VPMADDWD with ones, VPADDD ----------
 *
 * VPMADDUBSW sums two u8 x s8 products into an int16 with signed saturation, which is why the kernels
 * above widen to int16 instead: 255 * 127 + 255 * 127 does not fit. When every weight lies in
 * [-64, 63] no pair can leave int16 (255 * 63 * 2 = 32130, 255 * -64 * 2 = -32640), so the three
 * instructions MLAS uses on AVX2 give the exact int32 sums: VPMADDUBSW (u8 A broadcast x the K4 group
 * of 8 columns as it is packed), VPMADDWD with ones (the two pairs of a column into one int32,
 * exact), VPADDD (wrapping as the scalar reference's int arithmetic). The packed panel is read as it
 * is (no widening pass over A or B), and each int32 lane of an accumulator is one column, so the tile
 * stores without a reduction. Java takes this kernel only for matrices whose packing saw every stored
 * byte in [-64, 63] (PackedInt8Matrix.fitsSevenBits). Tiles of S7_MR = 4 rows x 16 columns: 8
 * accumulators, both B halves, ones, the broadcast A and a product fit the 16 ymm registers (a 6-row
 * tile spilled one accumulator, and measured no faster: both run at ~2 multiplies per cycle, the two
 * vector multiply pipes of Zen 3, ~185 GOP/s at 64x768x768 on this VM against ~131 for the widening
 * kernel).
 */
#define S7_MR 4

/*
 * Adds the products of `groups` K4 groups to a tile of `rows` x 16 columns: row r's bytes start at
 * ar[r], the panel's groups at pb (64 bytes each). Shared by the tiles over plain rows and over
 * window rows; always inlined, so the accumulators stay in registers.
 */
__attribute__((target("avx2"), always_inline)) static inline void avx2_s7_accumulate(int rows,
        const uint8_t *const *ar, int groups, const int8_t *pb, __m256i acc[S7_MR][2]) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int g = 0; g < groups; g++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *) (pb + g * 64));
        __m256i b1 = _mm256_loadu_si256((const __m256i *) (pb + g * 64 + 32));
        for (int r = 0; r < rows; r++) {
            __m256i av = _mm256_set1_epi32(load_u32(ar[r] + g * 4));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(av, b0), ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(av, b1), ones));
        }
    }
}

__attribute__((target("avx2"), always_inline)) static inline void avx2_s7_tile(int rows, const uint8_t *a, int lda,
        int groups, const int8_t *pb, int32_t *c, int ldc, int valid) {
    __m256i acc[S7_MR][2];
    const uint8_t *ar[S7_MR];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_si256();
        acc[r][1] = _mm256_setzero_si256();
        ar[r] = a + (size_t) r * lda;
    }
    avx2_s7_accumulate(rows, ar, groups, pb, acc);
    for (int r = 0; r < rows; r++) {
        store_cols(c + (size_t) r * ldc, acc[r][0], acc[r][1], valid);
    }
}

#define AVX2_S7_ROWS(R)                                                                                      \
    avx2_s7_tile(R, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid)

__attribute__((target("avx2"))) static void int8_avx2_s7(const uint8_t *a, int lda, int m, int kp, const int8_t *b,
        int panels, int nvalid, int32_t *c, int ldc) {
    int groups = kp / 4;
    for (int p = 0; p < panels; p++) {
        const int8_t *pb = b + (size_t) p * kp * NR;
        int valid = valid_cols(nvalid, p);
        int32_t *cp = c + p * NR;
        int i = 0;
        for (; i + S7_MR <= m; i += S7_MR) {
            AVX2_S7_ROWS(4);
        }
        switch (m - i) {
            case 3: AVX2_S7_ROWS(3); break;
            case 2: AVX2_S7_ROWS(2); break;
            case 1: AVX2_S7_ROWS(1); break;
            default: break;
        }
    }
}

/* ---------- AVX-VNNI (256-bit VPDPBUSD, e.g. Alder Lake, Zen 5 without AVX-512 exposed) ---------- */

__attribute__((target("avx2,avxvnni"), always_inline)) static inline void avxvnni_tile(int rows, const uint8_t *a,
        int lda, int groups, const int8_t *pb, int32_t *c, int ldc, int valid) {
    __m256i acc[6][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_si256();
        acc[r][1] = _mm256_setzero_si256();
    }
    for (int g = 0; g < groups; g++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *) (pb + g * 64));
        __m256i b1 = _mm256_loadu_si256((const __m256i *) (pb + g * 64 + 32));
        for (int r = 0; r < rows; r++) {
            __m256i av = _mm256_set1_epi32(load_u32(a + r * lda + g * 4));
            acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], av, b0);
            acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], av, b1);
        }
    }
    for (int r = 0; r < rows; r++) {
        store_cols(c + r * ldc, acc[r][0], acc[r][1], valid);
    }
}

__attribute__((target("avx2,avxvnni"))) static void int8_avxvnni(const uint8_t *a, int lda, int m, int kp,
        const int8_t *b, int panels, int nvalid, int32_t *c, int ldc) {
    int groups = kp / 4;
    for (int p = 0; p < panels; p++) {
        const int8_t *pb = b + (size_t) p * kp * NR;
        int valid = valid_cols(nvalid, p);
        int32_t *cp = c + p * NR;
        int i = 0;
        for (; i + 6 <= m; i += 6) {
            avxvnni_tile(6, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid);
        }
        switch (m - i) {
            case 5: avxvnni_tile(5, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid); break;
            case 4: avxvnni_tile(4, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid); break;
            case 3: avxvnni_tile(3, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid); break;
            case 2: avxvnni_tile(2, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid); break;
            case 1: avxvnni_tile(1, a + (size_t) i * lda, lda, groups, pb, cp + (size_t) i * ldc, ldc, valid); break;
            default: break;
        }
    }
}

/* ---------- AVX-512 VNNI: one zmm = one k-group of a 16-column panel; 6 rows x 2 panels = 12 accumulators ---------- */

__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void vnni512_tile(int rows,
        int np, const uint8_t *a, int lda, int groups, const int8_t *pb0, const int8_t *pb1, int32_t *c, int ldc,
        int valid0, int valid1) {
    __m512i acc[6][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm512_setzero_si512();
        acc[r][1] = _mm512_setzero_si512();
    }
    for (int g = 0; g < groups; g++) {
        __m512i b0 = _mm512_loadu_si512((const void *) (pb0 + g * 64));
        __m512i b1 = np > 1 ? _mm512_loadu_si512((const void *) (pb1 + g * 64)) : _mm512_setzero_si512();
        for (int r = 0; r < rows; r++) {
            __m512i av = _mm512_set1_epi32(load_u32(a + r * lda + g * 4));
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, b0);
            if (np > 1) {
                acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, b1);
            }
        }
    }
    __mmask16 m0 = (__mmask16) ((1u << valid0) - 1u);
    __mmask16 m1 = (__mmask16) (valid1 > 0 ? ((1u << valid1) - 1u) : 0u);
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_epi32(c + r * ldc, m0, acc[r][0]);
        if (np > 1) {
            _mm512_mask_storeu_epi32(c + r * ldc + NR, m1, acc[r][1]);
        }
    }
}

#define VNNI512_ROWS(R, NP)                                                                                  \
    vnni512_tile(R, NP, a + (size_t) i * lda, lda, groups, pb0, pb1, cp + (size_t) i * ldc, ldc, v0, v1)

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void int8_vnni512(const uint8_t *a, int lda, int m,
        int kp, const int8_t *b, int panels, int nvalid, int32_t *c, int ldc) {
    int groups = kp / 4;
    for (int p = 0; p < panels; p += 2) {
        int np = panels - p >= 2 ? 2 : 1;
        const int8_t *pb0 = b + (size_t) p * kp * NR;
        const int8_t *pb1 = pb0 + (size_t) kp * NR;
        int v0 = valid_cols(nvalid, p);
        int v1 = np > 1 ? valid_cols(nvalid, p + 1) : 0;
        int32_t *cp = c + p * NR;
        int i = 0;
        if (np == 2) {
            for (; i + 6 <= m; i += 6) {
                VNNI512_ROWS(6, 2);
            }
            switch (m - i) {
                case 5: VNNI512_ROWS(5, 2); break;
                case 4: VNNI512_ROWS(4, 2); break;
                case 3: VNNI512_ROWS(3, 2); break;
                case 2: VNNI512_ROWS(2, 2); break;
                case 1: VNNI512_ROWS(1, 2); break;
                default: break;
            }
        } else {
            for (; i + 6 <= m; i += 6) {
                VNNI512_ROWS(6, 1);
            }
            switch (m - i) {
                case 5: VNNI512_ROWS(5, 1); break;
                case 4: VNNI512_ROWS(4, 1); break;
                case 3: VNNI512_ROWS(3, 1); break;
                case 2: VNNI512_ROWS(2, 1); break;
                case 1: VNNI512_ROWS(1, 1); break;
                default: break;
            }
        }
    }
}

/*
 * Raw u8 x s8 products: C[i, j] = sum_k A[i, k] * B[k, j] over panels [0, panels) starting at b,
 * C's column 0 = the first panel's column 0; columns >= nvalid are not written. Rows of A must be
 * readable for kp bytes. isa selects the kernel (must be <= tare_isa()). b7 != 0 promises that every
 * byte of B lies in [-64, 63]: on AVX2 that selects the VPMADDUBSW kernel (exact only then); the
 * VNNI and AMX kernels are exact for any B and ignore it.
 */
void tare_int8(const uint8_t *a, int lda, int m, int kp, const int8_t *b, int panels, int nvalid, int32_t *c,
        int ldc, int isa, int b7) {
    if (isa == ISA_AVX2 && b7) {
        int8_avx2_s7(a, lda, m, kp, b, panels, nvalid, c, ldc);
        return;
    }
    switch (isa) {
        case ISA_AMX:
            /* A 16-row tile wastes most of its work below 8 rows: VNNI is faster there. */
            if (m >= 8) {
                tare_int8_amx(a, lda, m, kp, b, panels, nvalid, c, ldc);
                break;
            }
            /* fall through */
        case ISA_AVX512VNNI: int8_vnni512(a, lda, m, kp, b, panels, nvalid, c, ldc); break;
        case ISA_AVXVNNI: int8_avxvnni(a, lda, m, kp, b, panels, nvalid, c, ldc); break;
        default: int8_avx2(a, lda, m, kp, b, panels, nvalid, c, ldc); break;
    }
}

/*
 * int8_avx2_s7 with A's rows read in place from their convolution windows (see `windows`), for runs
 * that are whole K4 groups (run % 4 == 0, so k = kp and no group straddles two runs): the same
 * instructions on the same bytes in the same order, so the same sums, without the gathered copy of
 * the rows (tare_gather_rows was ~9% of an INT8 ResCNN's samples, the 16-channel 3x3 layers' 144-byte
 * rows copied before each block). A tile takes its rows' run pointers once per window row.
 */
__attribute__((target("avx2"), always_inline)) static inline void avx2_s7_window_tile(int rows, const windows *w,
        int i, const int8_t *pb, int32_t *c, int ldc, int valid) {
    const int groups_per_run = w->run / 4;
    __m256i acc[S7_MR][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_si256();
        acc[r][1] = _mm256_setzero_si256();
    }
    for (int t = 0; t < w->kh; t++) {
        const uint8_t *ar[S7_MR];
        for (int r = 0; r < rows; r++) {
            ar[r] = w->src + w->off[(size_t) (i + r) * w->kh + t];
        }
        avx2_s7_accumulate(rows, ar, groups_per_run, pb + (size_t) t * groups_per_run * 64, acc);
    }
    for (int r = 0; r < rows; r++) {
        store_cols(c + (size_t) r * ldc, acc[r][0], acc[r][1], valid);
    }
}

#define AVX2_S7_WINDOW_ROWS(R) avx2_s7_window_tile(R, w, i, pb, cp + (size_t) i * ldc, ldc, valid)

__attribute__((target("avx2"))) static void int8_avx2_s7_windows(const windows *w, int m, int kp, const int8_t *b,
        int panels, int nvalid, int32_t *c, int ldc) {
    for (int p = 0; p < panels; p++) {
        const int8_t *pb = b + (size_t) p * kp * NR;
        int valid = valid_cols(nvalid, p);
        int32_t *cp = c + p * NR;
        int i = 0;
        for (; i + S7_MR <= m; i += S7_MR) {
            AVX2_S7_WINDOW_ROWS(4);
        }
        switch (m - i) {
            case 3: AVX2_S7_WINDOW_ROWS(3); break;
            case 2: AVX2_S7_WINDOW_ROWS(2); break;
            case 1: AVX2_S7_WINDOW_ROWS(1); break;
            default: break;
        }
    }
}

/* ---------- Implicit im2col: A rows gathered from convolution windows (plain C, every ISA) ---------- */

/* Copies n bytes; n >= 16 goes in 16-byte moves (the last one overlapping), which gcc emits as single
 * unaligned SSE2 loads and stores (x86-64 baseline), so no call to memcpy for a 48-192 byte run. */
static inline void copy_run(uint8_t *d, const uint8_t *s, int n) {
    if (n < 16) {
        for (int i = 0; i < n; i++) {
            d[i] = s[i];
        }
        return;
    }
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(d + i, s + i, 16);
    }
    if (i < n) {
        memcpy(d + n - 16, s + n - 16, 16);
    }
}

/*
 * Patch rows of a convolution as GEMM A rows (implicit im2col): dst row i (at i * ldd) is the kh
 * runs of `run` bytes at src + off[i * kh + t], t = 0..kh-1, back to back (a window row of a padded
 * channels-last image is kw * C contiguous bytes), then zeros up to ldd (>= kh * run). Only the kh
 * runs of each row are read from src. No target attribute and no intrinsics: the same gather feeds
 * every ISA's kernel (tare_int8 reads the gathered block like any other A), so it is as correct on
 * the VNNI and AMX paths as on the AVX2 path it is tested on.
 */
void tare_gather_rows(const uint8_t *src, const int32_t *off, int kh, int run, int m, uint8_t *dst, int ldd) {
    int k = kh * run;
    for (int i = 0; i < m; i++) {
        uint8_t *d = dst + (size_t) i * ldd;
        const int32_t *o = off + (size_t) i * kh;
        for (int t = 0; t < kh; t++) {
            copy_run(d + t * run, src + o[t], run);
        }
        if (ldd > k) {
            memset(d + k, 0, (size_t) (ldd - k));
        }
    }
}

/*
 * tare_int8 with A's rows gathered from windows (see `windows`): rows [0, m) of the window source
 * (src, off, kh, run) against the panels, k = kh * run, kp = k rounded up to 4. Which path:
 *   - AVX2, weights in [-64, 63] (b7), runs of whole K4 groups (run % 4 == 0), any m: the VPMADDUBSW
 *     kernel reads the rows in place (int8_avx2_s7_windows).
 *   - AVX2 with at least AVX2_BLOCKED_MIN_ROWS rows, 8-bit weights or b7 runs shorter than 16 bytes
 *     that are not whole groups (a first layer's 3 x 1 channel): the widening kernels read the rows in
 *     place from a widened copy of the bytes they cover (int8_avx2_windows) or, where that does not
 *     apply, gather them while they widen (no copy at all). For those short b7 runs, gathering byte
 *     by byte cost 4x the in-place kernel's whole call (Zen 3, 28x28 image, 16 filters: 18.8 vs 4.7 us).
 *   - Everything else (the VNNI and AMX kernels, fewer rows, b7 runs of 16 bytes or more that are not
 *     whole groups): the plain C tare_gather_rows copies the rows into `work` (m * kp bytes, caller's
 *     scratch) and tare_int8 reads that block like any A.
 */
#define S7_GATHER_MIN_RUN 16
void tare_int8_windows(const uint8_t *src, const int32_t *off, int kh, int run, int m, int kp, uint8_t *work,
        const int8_t *b, int panels, int nvalid, int32_t *c, int ldc, int isa, int b7) {
    if (isa == ISA_AVX2 && b7 && run % 4 == 0) {
        windows all = {src, off, kh, run};
        int8_avx2_s7_windows(&all, m, kp, b, panels, nvalid, c, ldc);
        return;
    }
    if (isa == ISA_AVX2 && m >= AVX2_BLOCKED_MIN_ROWS && (!b7 || run < S7_GATHER_MIN_RUN)) {
        windows all = {src, off, kh, run};
        if (int8_avx2_windows(&all, m, kp, b, panels, nvalid, c, ldc)) {
            return;
        }
        for (int i0 = 0; i0 < m; i0 += AVX2_MAX_ROWS) {
            int rows = m - i0 < AVX2_MAX_ROWS ? m - i0 : AVX2_MAX_ROWS;
            windows w = {src, off + (size_t) i0 * kh, kh, run};
            int8_avx2_blocked(NULL, 0, &w, rows, kp, b, panels, nvalid, c + (size_t) i0 * ldc, ldc);
        }
        return;
    }
    tare_gather_rows(src, off, kh, run, m, work, kp);
    tare_int8(work, kp, m, kp, b, panels, nvalid, c, ldc, isa, b7);
}

/* ---------- ONNX QuantizeLinear to 8 bits (AVX2, every native ISA) ---------- */

/*
 * q[i] = saturate(rint(x[i] / scale) + zp) in [qmin, qmax] (INT8: -128..127, UINT8: 0..255), NaN giving
 * zp: the float operations of SimdKernels.quantize in the same order (divide, NaN to 0, clamp to
 * [qmin - zp, qmax - zp], round half to even by adding and subtracting 1.5 * 2^23, add zp), so the
 * bytes are identical. Why in C: C2 ran the Vector API loop at ~16 cycles per 8 values on Zen 3
 * (~30 us of the ~45 us dynamic per-row quantization of 64 x 768 values); here the divide bounds it.
 */
__attribute__((target("avx2"))) void tare_quantize(const float *x, int n, float scale, int zp, int qmin, int qmax,
        uint8_t *q) {
    const __m256 vs = _mm256_set1_ps(scale);
    const __m256 lo = _mm256_set1_ps((float) (qmin - zp));
    const __m256 hi = _mm256_set1_ps((float) (qmax - zp));
    const __m256 z = _mm256_set1_ps((float) zp);
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), vs);
        v = _mm256_andnot_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), v);
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        v = _mm256_add_ps(_mm256_sub_ps(_mm256_add_ps(v, magic), magic), z);
        __m256i iv = _mm256_cvttps_epi32(v); /* whole numbers in [qmin, qmax]: exact */
        __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(iv), _mm256_extracti128_si256(iv, 1));
        __m128i b = qmin < 0 ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
        _mm_storel_epi64((__m128i *) (q + i), b);
    }
    const float flo = (float) (qmin - zp);
    const float fhi = (float) (qmax - zp);
    for (; i < n; i++) {
        float v = x[i] / scale;
        if (v != v) {
            v = 0.0f;
        }
        v = v < flo ? flo : v;
        v = v > fhi ? fhi : v;
        v = ((v + 12582912.0f) - 12582912.0f) + (float) zp; /* no -ffast-math: evaluated as written */
        q[i] = (uint8_t) (int) v;
    }
}

/*
 * UINT8 rows for the INT8 GEMM in one call: row r of x (row stride ldx) quantized as tare_quantize
 * with scales[r] and zps[r] into row r of q (row stride ldq), and, when rowsums != NULL, the sum of
 * its n stored bytes (VPSADBW against zero) into rowsums[r]. One downcall per block of rows instead
 * of one per row: all-MiniLM-L6-v2 quantizes 37k token rows per run, and each per-row call also left
 * its heap-segment wrappers as garbage (7.7 MB per run).
 */
__attribute__((target("avx2"))) void tare_quantize_rows(const float *x, int ldx, int m, int n, const float *scales,
        const int32_t *zps, uint8_t *q, int ldq, int32_t *rowsums) {
    for (int r = 0; r < m; r++) {
        uint8_t *qr = q + (size_t) r * ldq;
        tare_quantize(x + (size_t) r * ldx, n, scales[r], zps[r], 0, 255, qr);
        if (rowsums != NULL) {
            __m256i acc = _mm256_setzero_si256();
            int i = 0;
            for (; i + 32 <= n; i += 32) {
                acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *) (qr + i)),
                        _mm256_setzero_si256()));
            }
            int64_t lanes[4];
            _mm256_storeu_si256((__m256i *) lanes, acc);
            int64_t sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
            for (; i < n; i++) {
                sum += qr[i];
            }
            rowsums[r] = (int32_t) sum;
        }
    }
}

/* ---------- INT8 GEMM with its zero-point correction (and dequantization) in the same call ---------- */

/*
 * Rows [0, m) of c, columns [0, ncols): the raw sums the kernel just wrote, corrected as Java's
 * EpilogueWriter does (every int operation wrapping, as Java's int arithmetic):
 *   v = raw + (k * za[i] - rowsum[i]) * zb[j] - za[i] * cs[j] (+ bias[j] when bias != NULL)
 * then stored as int32 (sa == NULL) or as float (float) v * (sa[i] * sb[j]) (sa != NULL), in place:
 * the same two roundings as Java's (int to float, one float product; nothing for a compiler to
 * contract into an FMA). The rows are still in L1/L2 from the kernel.
 */
__attribute__((target("avx2"))) static void correct_rows(int m, int k, const int32_t *za, const int32_t *rowsum,
        const int32_t *zb, const int32_t *cs, const int32_t *bias, const float *sa, const float *sb, int32_t *c,
        int ldc, int ncols) {
    for (int i = 0; i < m; i++) {
        /* unsigned: wraps like Java's int */
        uint32_t rf = (uint32_t) k * (uint32_t) za[i] - (uint32_t) rowsum[i];
        __m256i vrf = _mm256_set1_epi32((int32_t) rf);
        __m256i vza = _mm256_set1_epi32(za[i]);
        int32_t *row = c + (size_t) i * ldc;
        float *frow = (float *) row;
        __m256 vsa = _mm256_set1_ps(sa != NULL ? sa[i] : 0.0f);
        int j = 0;
        for (; j + 8 <= ncols; j += 8) {
            __m256i v = _mm256_loadu_si256((const __m256i *) (row + j));
            v = _mm256_add_epi32(v, _mm256_mullo_epi32(vrf, _mm256_loadu_si256((const __m256i *) (zb + j))));
            v = _mm256_sub_epi32(v, _mm256_mullo_epi32(vza, _mm256_loadu_si256((const __m256i *) (cs + j))));
            if (bias != NULL) {
                v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *) (bias + j)));
            }
            if (sa != NULL) {
                __m256 scale = _mm256_mul_ps(vsa, _mm256_loadu_ps(sb + j));
                _mm256_storeu_ps(frow + j, _mm256_mul_ps(_mm256_cvtepi32_ps(v), scale));
            } else {
                _mm256_storeu_si256((__m256i *) (row + j), v);
            }
        }
        for (; j < ncols; j++) {
            uint32_t v = (uint32_t) row[j] + rf * (uint32_t) zb[j] - (uint32_t) za[i] * (uint32_t) cs[j];
            if (bias != NULL) {
                v += (uint32_t) bias[j];
            }
            if (sa != NULL) {
                float scale = sa[i] * sb[j];
                frow[j] = (float) (int32_t) v * scale;
            } else {
                row[j] = (int32_t) v;
            }
        }
    }
}

/*
 * tare_int8 straight into the caller's C followed by the correction above, so that a GEMM needs
 * one native call per row block and no int32 scratch or Java epilogue pass: za, rowsum and sa
 * (NULL: int32 output) are per row of this call; zb, cs, sb and bias (NULL: none) per column,
 * starting at the first column of the call's first panel; c is int32 or float.
 */
void tare_int8_fused(const uint8_t *a, int lda, int m, int k, int kp, const int8_t *b, int panels, int nvalid,
        const int32_t *za, const int32_t *rowsum, const int32_t *zb, const int32_t *cs, const int32_t *bias,
        const float *sa, const float *sb, int32_t *c, int ldc, int isa, int b7) {
    int ncols = nvalid < panels * NR ? nvalid : panels * NR;
    tare_int8(a, lda, m, kp, b, panels, nvalid, c, ldc, isa, b7);
    correct_rows(m, k, za, rowsum, zb, cs, bias, sa, sb, c, ldc, ncols);
}

/* ---------- Requantizing epilogue (AVX2, every native ISA: the int32 block comes from any kernel) ---------- */

/* One vector of tare_requantize_flat; returns the 8 results as int32 (low byte = the output byte). */
__attribute__((target("avx2"), always_inline)) static inline __m256i requantize8(__m256i raw, __m256i corr, __m256 mul,
        __m256 add, __m256 inv, __m256 lower, __m256 upper, __m256 zero_point) {
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 v = _mm256_cvtepi32_ps(_mm256_add_epi32(raw, corr));
    v = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(v, mul), add), inv);
    /* the bound first: MAXPS/MINPS return their second operand when one is NaN, so NaN stays NaN as in
     * Java's Math.max/min (and the sign of a zero does not matter: it is rounded to +0 next) */
    v = _mm256_min_ps(upper, _mm256_max_ps(lower, v));
    v = _mm256_add_ps(_mm256_sub_ps(_mm256_add_ps(v, magic), magic), zero_point);
    return _mm256_cvttps_epi32(v); /* NaN -> 0x80000000, low byte 0: Java's (byte) (int) NaN */
}

/*
 * Kernels.requantizeFlat in C: c[e] = (byte) (int) (rint(min(max(((raw[e] + corr[e]) * mul[e] + add[e])
 * * inv, lower), upper)) + zero_point), rint half to even by the 1.5 * 2^23 trick, float arithmetic in
 * Java's order. Bit-identical to the Java loop: IEEE single operations in the same order, and no
 * contraction into FMA is possible (the target has no FMA). len may be anything; the tail goes
 * through the same vector code from a zero-padded copy.
 */
__attribute__((target("avx2"))) void tare_requantize_flat(const int32_t *raw, const int32_t *corr, const float *mul,
        const float *add, int len, float inv, float lower, float upper, float zero_point, uint8_t *c) {
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256 vlower = _mm256_set1_ps(lower);
    const __m256 vupper = _mm256_set1_ps(upper);
    const __m256 vz = _mm256_set1_ps(zero_point);
    const __m256i low_bytes = _mm256_set1_epi32(0xFF);
    int e = 0;
    for (; e + 16 <= len; e += 16) {
        __m256i q0 = requantize8(_mm256_loadu_si256((const __m256i *) (raw + e)),
                _mm256_loadu_si256((const __m256i *) (corr + e)), _mm256_loadu_ps(mul + e), _mm256_loadu_ps(add + e),
                vinv, vlower, vupper, vz);
        __m256i q1 = requantize8(_mm256_loadu_si256((const __m256i *) (raw + e + 8)),
                _mm256_loadu_si256((const __m256i *) (corr + e + 8)), _mm256_loadu_ps(mul + e + 8),
                _mm256_loadu_ps(add + e + 8), vinv, vlower, vupper, vz);
        /* low bytes of 16 int32 in order: mask, then two unsigned packs that cannot saturate */
        __m256i w = _mm256_packus_epi32(_mm256_and_si256(q0, low_bytes), _mm256_and_si256(q1, low_bytes));
        w = _mm256_permute4x64_epi64(w, 0xD8);
        __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
        _mm_storeu_si128((__m128i *) (c + e), b);
    }
    for (; e < len; e += 8) {
        int n = len - e < 8 ? len - e : 8;
        int32_t r[8] = {0}, k[8] = {0}, out[8];
        float m[8] = {0}, a[8] = {0};
        memcpy(r, raw + e, sizeof(int32_t) * n);
        memcpy(k, corr + e, sizeof(int32_t) * n);
        memcpy(m, mul + e, sizeof(float) * n);
        memcpy(a, add + e, sizeof(float) * n);
        __m256i q = requantize8(_mm256_loadu_si256((const __m256i *) r), _mm256_loadu_si256((const __m256i *) k),
                _mm256_loadu_ps(m), _mm256_loadu_ps(a), vinv, vlower, vupper, vz);
        _mm256_storeu_si256((__m256i *) out, q);
        for (int i = 0; i < n; i++) {
            c[e + i] = (uint8_t) out[i];
        }
    }
}

/* ---------- Quantized residual add (AVX2): Kernels.addQuantized ---------- */

/* 8 stored bytes -> (q - z) * s as floats, q read as int8 (is_signed) or uint8. */
__attribute__((target("avx2"), always_inline)) static inline __m256 dequantize8(const uint8_t *p, int is_signed,
        __m256i z, __m256 s) {
    __m128i x = _mm_loadl_epi64((const __m128i *) p);
    __m256i q = is_signed ? _mm256_cvtepi8_epi32(x) : _mm256_cvtepu8_epi32(x);
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, z)), s);
}

/* Eight elements of tare_add_quantized, from and to where the pointers point. */
__attribute__((target("avx2"), always_inline)) static inline void add_quantized8(const uint8_t *a, int a_signed,
        __m256i vza, __m256 vsa, const uint8_t *b, int b_signed, __m256i vzb, __m256 vsb, int relu, __m256 vsy,
        __m256 vzy, __m256 lo, __m256 hi, uint8_t *y) {
    __m256 v = _mm256_add_ps(dequantize8(a, a_signed, vza, vsa), dequantize8(b, b_signed, vzb, vsb));
    if (relu) {
        v = _mm256_max_ps(_mm256_setzero_ps(), v); /* NaN stays NaN, as Math.max */
    }
    v = _mm256_div_ps(v, vsy);
    __m256 r = _mm256_and_ps(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
            _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> 0 */
    r = _mm256_max_ps(lo, _mm256_min_ps(hi, _mm256_add_ps(r, vzy)));
    __m256i q = _mm256_and_si256(_mm256_cvttps_epi32(r), _mm256_set1_epi32(0xFF));
    __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64((__m128i *) y, _mm_packus_epi16(w, w));
}

/*
 * y[i] = saturate(rint((act((a - za) * sa + (b - zb) * sb)) / sy) + zy): the Java reference's
 * operations in the same order in single precision (the int difference converted to float, a
 * division, not a multiplication by 1 / sy), so the bytes are identical; NaN rounds to 0 as in
 * ScalarKernels.quantizeOne. Whole steps of 8 in the loop; the tail once, through the same code
 * from zero-padded copies. (Tail handling inside the loop, per step, ran it at half this speed:
 * ~0.9 ns per element against ~0.5 on Zen 3.)
 */
__attribute__((target("avx2"))) void tare_add_quantized(const uint8_t *a, int a_signed, float sa, int za,
        const uint8_t *b, int b_signed, float sb, int zb, int relu, float sy, int zy, int qmin, int qmax, int n,
        uint8_t *y) {
    const __m256 vsa = _mm256_set1_ps(sa), vsb = _mm256_set1_ps(sb), vsy = _mm256_set1_ps(sy);
    const __m256i vza = _mm256_set1_epi32(za), vzb = _mm256_set1_epi32(zb);
    const __m256 vzy = _mm256_set1_ps((float) zy);
    const __m256 lo = _mm256_set1_ps((float) qmin), hi = _mm256_set1_ps((float) qmax);
    int full = n - n % 8;
    for (int i = 0; i < full; i += 8) {
        add_quantized8(a + i, a_signed, vza, vsa, b + i, b_signed, vzb, vsb, relu, vsy, vzy, lo, hi, y + i);
    }
    if (full < n) {
        uint8_t ta[8] = {0}, tb[8] = {0}, ty[8];
        memcpy(ta, a + full, n - full);
        memcpy(tb, b + full, n - full);
        add_quantized8(ta, a_signed, vza, vsa, tb, b_signed, vzb, vsb, relu, vsy, vzy, lo, hi, ty);
        memcpy(y + full, ty, n - full);
    }
}

/* ---------- W8A32 (AVX2 + FMA): FP32 A times the same packed s8 panels, converted in registers ---------- */

/* acc[q] holds columns 2q (low lane) and 2q+1 (high lane) as 4 k-phase partials each. */
__attribute__((target("avx2,fma"))) static inline __m256 reduce_quads(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 h01 = _mm256_hadd_ps(a0, a1);
    __m256 h23 = _mm256_hadd_ps(a2, a3);
    __m256 h = _mm256_hadd_ps(h01, h23); /* [c0 c2 c4 c6 | c1 c3 c5 c7] */
    return _mm256_permutevar8x32_ps(h, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

__attribute__((target("avx2,fma"))) static inline __m256 widen8(const int8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) p)));
}

/*
 * C[i, j] = sum_k A[i, k] * (float) B[k, j] (no scale). A is FP32 with k valid columns per row
 * (not padded); kp = k rounded up to 4.
 */
__attribute__((target("avx2,fma"))) void tare_w8a32(const float *a, int lda, int m, int k, int kp,
        const int8_t *b, int panels, int nvalid, float *c, int ldc) {
    int full = k / 4;
    int groups = kp / 4;
    for (int p = 0; p < panels; p++) {
        const int8_t *pb = b + (size_t) p * kp * NR;
        int valid = valid_cols(nvalid, p);
        for (int i = 0; i < m; i++) {
            const float *ar = a + (size_t) i * lda;
            __m256 acc[8];
            for (int q = 0; q < 8; q++) {
                acc[q] = _mm256_setzero_ps();
            }
            for (int g = 0; g < groups; g++) {
                __m128 a4;
                if (g < full) {
                    a4 = _mm_loadu_ps(ar + g * 4);
                } else {
                    float tail[4] = {0, 0, 0, 0};
                    for (int t = 0; g * 4 + t < k; t++) {
                        tail[t] = ar[g * 4 + t];
                    }
                    a4 = _mm_loadu_ps(tail);
                }
                __m256 av = _mm256_set_m128(a4, a4);
                const int8_t *bg = pb + g * 64;
                for (int q = 0; q < 8; q++) {
                    acc[q] = _mm256_fmadd_ps(av, widen8(bg + q * 8), acc[q]);
                }
            }
            __m256 lo = reduce_quads(acc[0], acc[1], acc[2], acc[3]);
            __m256 hi = reduce_quads(acc[4], acc[5], acc[6], acc[7]);
            float *cr = c + (size_t) i * ldc + p * NR;
            if (valid == NR) {
                _mm256_storeu_ps(cr, lo);
                _mm256_storeu_ps(cr + 8, hi);
            } else {
                float tmp[NR];
                _mm256_storeu_ps(tmp, lo);
                _mm256_storeu_ps(tmp + 8, hi);
                memcpy(cr, tmp, sizeof(float) * valid);
            }
        }
    }
}
