/* winit/philox.h -- Philox4x32 counter-based bijection (Salmon et al., SC'11,
 * "Parallel random numbers: as easy as 1, 2, 3"; constants as in Random123).
 * Value structs in, value struct out; no state. */
#ifndef WINIT_PHILOX_H
#define WINIT_PHILOX_H

#include "common.h"

typedef struct { uint32_t v[4]; } winit_u32x4;
typedef struct { uint32_t v[2]; } winit_u32x2;

#define WINIT_PHILOX_M0 0xD2511F53u
#define WINIT_PHILOX_M1 0xCD9E8D57u
#define WINIT_PHILOX_W0 0x9E3779B9u
#define WINIT_PHILOX_W1 0xBB67AE85u

/* High and low 32 bits of a 32x32 -> 64 product. */
WINIT_HD uint32_t winit_mulhilo32(uint32_t a, uint32_t b, uint32_t *hi) {
#if WINIT_DEVICE_CODE
    *hi = __umulhi(a, b);
    return a * b;
#else
    uint64_t p = (uint64_t)a * (uint64_t)b;
    *hi = (uint32_t)(p >> 32);
    return (uint32_t)p;
#endif
}

/* The round's data flow, written once for any lane type: the scalar round below
 * and the host SIMD passes (winit/_core/simd_philox.h) expand it.
 * MULHILO(m, x, lo, hi) sets lo / hi to the low / high 32 bits of m * x (m is
 * WINIT_PHILOX_M0 or _M1; only the low 32 bits of x are used); XOR3(a, b, c) is
 * a ^ b ^ c. SIMD lanes wider than 32 bits may carry garbage above bit 31. */
#define WINIT_PHILOX_ROUND_LANES(T, c0, c1, c2, c3, k0, k1, MULHILO, XOR3) \
    do {                                                                   \
        T lo0_, hi0_, lo1_, hi1_;                                          \
        MULHILO(WINIT_PHILOX_M0, c0, lo0_, hi0_);                          \
        MULHILO(WINIT_PHILOX_M1, c2, lo1_, hi1_);                          \
        c0 = XOR3(hi1_, c1, k0);                                           \
        c1 = lo1_;                                                         \
        c2 = XOR3(hi0_, c3, k1);                                           \
        c3 = lo0_;                                                         \
    } while (0)

#define WINIT_MULHILO32_(m, x, lo, hi) ((lo) = winit_mulhilo32((m), (x), &(hi)))
#define WINIT_XOR3_(a, b, c) ((a) ^ (b) ^ (c))

WINIT_HD winit_u32x4 winit_philox4x32_round(winit_u32x4 c, winit_u32x2 k) {
    WINIT_PHILOX_ROUND_LANES(uint32_t, c.v[0], c.v[1], c.v[2], c.v[3], k.v[0], k.v[1],
                             WINIT_MULHILO32_, WINIT_XOR3_);
    return c;
}

WINIT_HD winit_u32x2 winit_philox4x32_bumpkey(winit_u32x2 k) {
    k.v[0] += WINIT_PHILOX_W0;
    k.v[1] += WINIT_PHILOX_W1;
    return k;
}

/* Philox4x32-R for any round count (the raw bijection exposed to Python). */
WINIT_HD winit_u32x4 winit_philox4x32_R(unsigned rounds, winit_u32x4 c, winit_u32x2 k) {
    for (unsigned r = 0; r < rounds; r++) {
        if (r) k = winit_philox4x32_bumpkey(k);
        c = winit_philox4x32_round(c, k);
    }
    return c;
}

/* Philox4x32-10, the generator winit uses everywhere. */
WINIT_HD winit_u32x4 winit_philox4x32_10(winit_u32x4 c, winit_u32x2 k) {
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k); k = winit_philox4x32_bumpkey(k);
    c = winit_philox4x32_round(c, k);
    return c;
}

#endif /* WINIT_PHILOX_H */
