/*
 * Tare AMX INT8 kernel (Intel Sapphire Rapids and later: AMX-TILE + AMX-INT8), called through
 * tare_int8() in tare_kernels.c when tare_isa() reports ISA_AMX.
 *
 * Why it exists: on CPUs with AMX, ONNX Runtime's MatMulInteger runs on AMX tiles and reaches
 * 1.1-1.7 TOP/s per core, more than twice what AVX-512 VNNI can reach. TDPBUSD multiplies u8 A by
 * s8 B with exact int32 accumulation, like VPDPBUSD, so the results stay bit-identical to the
 * scalar reference.
 *
 * The packed B layout needs no change: a K4_INTERLEAVED panel (16 columns, k-group g of column j at
 * g*64 + j*4) is exactly TDPBUSD's B tile layout (one tile row = one k-group = 16 columns x 4
 * bytes), so 16 consecutive k-groups of a panel form one 16 x 64-byte B tile at stride 64.
 *
 * Register use: tmm0-3 accumulate a 32-row x 32-column block of C (2 A tiles x 2 B panels),
 * tmm4-5 hold A (16 rows x 64 k each), tmm6-7 hold B. Edges (fewer than 16 rows, a k chunk shorter
 * than 64, fewer than 16 valid columns) go through zero-padded stack buffers, so nothing outside
 * the caller's A rows (kp bytes each), B panels or C columns < nvalid is read or written.
 */
#include <immintrin.h>
#include <cpuid.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR 16
#define TILE_K 64
#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* 1 when the CPU has AMX-TILE and AMX-INT8 and the kernel granted this process the tile state. */
int tare_amx_available(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        return 0;
    }
    if (!(d & (1u << 24)) || !(d & (1u << 25))) {
        return 0;
    }
    /* Linux >= 5.16 hands out the 8 KiB tile state only on request, once per process. */
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
        return 0;
    }
    unsigned long features = 0;
    if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &features) != 0) {
        return 0;
    }
    return (features & (1ul << XFEATURE_XTILEDATA)) != 0;
}

/* The 64-byte LDTILECFG operand, palette 1. */
typedef struct {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} __attribute__((packed, aligned(64))) tile_config;

__attribute__((target("amx-tile"))) static void configure_tiles(void) {
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) {
        cfg.rows[t] = 16;
        cfg.colsb[t] = 64;
    }
    _tile_loadconfig(&cfg);
}

/* Copies up to 16 rows x kb bytes of A into a zeroed 16 x 64 tile image. */
static inline void pad_a(uint8_t *dst, const uint8_t *a, int lda, int rows, int kb) {
    memset(dst, 0, 16 * TILE_K);
    for (int r = 0; r < rows; r++) {
        memcpy(dst + r * TILE_K, a + (size_t) r * lda, kb);
    }
}

/* Copies kb/4 k-groups (64 bytes each) of a panel into a zeroed 16 x 64 tile image. */
static inline void pad_b(int8_t *dst, const int8_t *pb, int kb) {
    memset(dst, 0, 16 * TILE_K);
    memcpy(dst, pb, (size_t) (kb / 4) * 64);
}

/* Writes rows x valid int32 of a 16 x 16 tile image into C. */
static inline void copy_out(int32_t *c, int ldc, const int32_t *tile, int rows, int valid) {
    for (int r = 0; r < rows; r++) {
        memcpy(c + (size_t) r * ldc, tile + r * NR, sizeof(int32_t) * valid);
    }
}

/*
 * One block: rows (1..32) of A against one or two panels (pb1 == NULL for one). Tile register
 * numbers are immediates, hence the explicit branches rather than loops over tiles.
 */
__attribute__((target("amx-tile,amx-int8"))) static void amx_block(const uint8_t *a, int lda, int rows, int kp,
        const int8_t *pb0, const int8_t *pb1, int32_t *c, int ldc, int valid0, int valid1) {
    uint8_t abuf[16 * TILE_K] __attribute__((aligned(64)));
    int8_t bbuf[16 * TILE_K] __attribute__((aligned(64)));
    int32_t cbuf[16 * NR] __attribute__((aligned(64)));
    int rows0 = rows < 16 ? rows : 16;
    int rows1 = rows - rows0;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int k0 = 0; k0 < kp; k0 += TILE_K) {
        int kb = kp - k0 < TILE_K ? kp - k0 : TILE_K;
        size_t boff = (size_t) k0 * NR; /* k0/4 groups of 64 bytes */
        if (kb == TILE_K) {
            _tile_loadd(6, pb0 + boff, 64);
        } else {
            pad_b(bbuf, pb0 + boff, kb);
            _tile_loadd(6, bbuf, 64);
        }
        if (pb1 != NULL) {
            if (kb == TILE_K) {
                _tile_loadd(7, pb1 + boff, 64);
            } else {
                pad_b(bbuf, pb1 + boff, kb);
                _tile_loadd(7, bbuf, 64);
            }
        }
        if (rows0 == 16 && kb == TILE_K) {
            _tile_loadd(4, a + k0, lda);
        } else {
            pad_a(abuf, a + k0, lda, rows0, kb);
            _tile_loadd(4, abuf, TILE_K);
        }
        _tile_dpbusd(0, 4, 6);
        if (pb1 != NULL) {
            _tile_dpbusd(1, 4, 7);
        }
        if (rows1 > 0) {
            const uint8_t *a1 = a + (size_t) 16 * lda + k0;
            if (rows1 == 16 && kb == TILE_K) {
                _tile_loadd(5, a1, lda);
            } else {
                pad_a(abuf, a1, lda, rows1, kb);
                _tile_loadd(5, abuf, TILE_K);
            }
            _tile_dpbusd(2, 5, 6);
            if (pb1 != NULL) {
                _tile_dpbusd(3, 5, 7);
            }
        }
    }
    int32_t *c1 = c + (size_t) 16 * ldc;
    if (rows0 == 16 && valid0 == NR) {
        _tile_stored(0, c, ldc * 4);
    } else {
        _tile_stored(0, cbuf, NR * 4);
        copy_out(c, ldc, cbuf, rows0, valid0);
    }
    if (pb1 != NULL) {
        if (rows0 == 16 && valid1 == NR) {
            _tile_stored(1, c + NR, ldc * 4);
        } else {
            _tile_stored(1, cbuf, NR * 4);
            copy_out(c + NR, ldc, cbuf, rows0, valid1);
        }
    }
    if (rows1 > 0) {
        if (rows1 == 16 && valid0 == NR) {
            _tile_stored(2, c1, ldc * 4);
        } else {
            _tile_stored(2, cbuf, NR * 4);
            copy_out(c1, ldc, cbuf, rows1, valid0);
        }
        if (pb1 != NULL) {
            if (rows1 == 16 && valid1 == NR) {
                _tile_stored(3, c1 + NR, ldc * 4);
            } else {
                _tile_stored(3, cbuf, NR * 4);
                copy_out(c1 + NR, ldc, cbuf, rows1, valid1);
            }
        }
    }
}

static inline int valid_columns(int nvalid, int p) {
    int v = nvalid - p * NR;
    return v > NR ? NR : v;
}

/* Same contract as tare_int8 (see tare_kernels.c); only called when tare_amx_available() said 1. */
__attribute__((target("amx-tile,amx-int8"))) void tare_int8_amx(const uint8_t *a, int lda, int m, int kp,
        const int8_t *b, int panels, int nvalid, int32_t *c, int ldc) {
    configure_tiles();
    for (int p = 0; p < panels; p += 2) {
        const int8_t *pb0 = b + (size_t) p * kp * NR;
        const int8_t *pb1 = p + 1 < panels ? pb0 + (size_t) kp * NR : NULL;
        int v0 = valid_columns(nvalid, p);
        int v1 = pb1 != NULL ? valid_columns(nvalid, p + 1) : 0;
        for (int i = 0; i < m; i += 32) {
            int rows = m - i < 32 ? m - i : 32;
            amx_block(a + (size_t) i * lda, lda, rows, kp, pb0, pb1, c + (size_t) i * ldc + p * NR, ldc, v0, v1);
        }
    }
    _tile_release();
}
