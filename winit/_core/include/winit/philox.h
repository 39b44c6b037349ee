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

WINIT_HD winit_u32x4 winit_philox4x32_round(winit_u32x4 c, winit_u32x2 k) {
    uint32_t hi0, hi1;
    uint32_t lo0 = winit_mulhilo32(WINIT_PHILOX_M0, c.v[0], &hi0);
    uint32_t lo1 = winit_mulhilo32(WINIT_PHILOX_M1, c.v[2], &hi1);
    winit_u32x4 r;
    r.v[0] = hi1 ^ c.v[1] ^ k.v[0];
    r.v[1] = lo1;
    r.v[2] = hi0 ^ c.v[3] ^ k.v[1];
    r.v[3] = lo0;
    return r;
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
