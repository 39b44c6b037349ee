/* winit/kernels.h -- THE list of fill kernels: which (distribution, dtype) pairs exist
 * and their per-block facts, written once. The CPU block fills (winit/_core/
 * fill_blocks.h), the CUDA kernels (kernels/winit_kernels.cu) and Python
 * (winit._core.KERNELS, from which winit._cuda derives its launch table) all expand it.
 * Adding a dtype or a distribution is a line here and, if it needs one, a block
 * function in element.h. */
#ifndef WINIT_KERNELS_H
#define WINIT_KERNELS_H

#include "element.h"

enum { WINIT_DIST_BITS = 0, WINIT_DIST_UNIFORM = 1, WINIT_DIST_NORMAL = 2,
       WINIT_DIST_TRUNCNORM = 3, WINIT_DIST_POLAR = 4, WINIT_N_DIST = 5 };
enum { WINIT_DT_FLOAT32 = 0, WINIT_DT_FLOAT64 = 1, WINIT_DT_FLOAT16 = 2,
       WINIT_DT_BFLOAT16 = 3, WINIT_DT_UINT32 = 4, WINIT_N_DTYPE = 5 };

/* X(NAME, DIST, DTYPE, PARAM, FIELD, OUT, EPB, BLOCK, CONV, LAYOUT, SPEC)
 *   NAME         the kernel: winit_k_NAME on the GPU, the block fill NAME on the CPU
 *   DIST, DTYPE  suffixes of its WINIT_DIST_* and WINIT_DT_* codes
 *   PARAM        its parameter struct (element.h), packed once (winit._core.pack) and
 *                passed by value to the GPU kernel; FIELD: its member of the CPU's
 *                winit_fill_spec (fill.h)
 *   OUT, EPB     the stored element type, elements per Philox block (element.h's map)
 *   BLOCK        the block function (words, const PARAM *, values[EPB]); with CONV
 *                F16 / BF16 it gives the float32 values, then each is rounded to
 *                float16 / bfloat16 (transforms.h); NONE: stored as they are
 *   LAYOUT, SPEC CPU tuning only (fill_blocks.h): the chunk's word layout (NAT, SOA)
 *                and the truncated-normal mode specialisation (TN, NONE); the values
 *                are the same whatever they say */
#define WINIT_KERNELS(X)                                                                              \
    X(bits_u32, BITS, UINT32, winit_knone, kn, uint32_t, 4, winit_block_bits_u32, NONE, NAT, NONE)    \
    X(uniform_f32, UNIFORM, FLOAT32, winit_uniform_f32, uf, float, 4, winit_block_uniform_f32, NONE,  \
      NAT, NONE)                                                                                      \
    X(uniform_f64, UNIFORM, FLOAT64, winit_uniform_f64, ud, double, 2, winit_block_uniform_f64, NONE, \
      SOA, NONE)                                                                                      \
    X(uniform_f16, UNIFORM, FLOAT16, winit_uniform_f32, uf, uint16_t, 4, winit_block_uniform_f32,     \
      F16, NAT, NONE)                                                                                 \
    X(uniform_bf16, UNIFORM, BFLOAT16, winit_uniform_f32, uf, uint16_t, 4, winit_block_uniform_f32,   \
      BF16, NAT, NONE)                                                                                \
    X(normal_f32, NORMAL, FLOAT32, winit_affine_f32, af, float, 4, winit_block_normal_f32, NONE, SOA, \
      NONE)                                                                                           \
    X(normal_f64, NORMAL, FLOAT64, winit_affine_f64, ad, double, 2, winit_block_normal_f64, NONE,     \
      SOA, NONE)                                                                                      \
    X(normal_f16, NORMAL, FLOAT16, winit_affine_f32, af, uint16_t, 4, winit_block_normal_f32, F16,    \
      SOA, NONE)                                                                                      \
    X(normal_bf16, NORMAL, BFLOAT16, winit_affine_f32, af, uint16_t, 4, winit_block_normal_f32, BF16, \
      SOA, NONE)                                                                                      \
    X(truncnorm_f32, TRUNCNORM, FLOAT32, winit_tn_f32, tf, float, 4, winit_block_truncnorm_f32, NONE, \
      NAT, TN)                                                                                        \
    X(truncnorm_f64, TRUNCNORM, FLOAT64, winit_tn_f64, td, double, 2, winit_block_truncnorm_f64,      \
      NONE, SOA, TN)                                                                                  \
    X(truncnorm_f16, TRUNCNORM, FLOAT16, winit_tn_f32, tf, uint16_t, 4, winit_block_truncnorm_f32,    \
      F16, NAT, TN)                                                                                   \
    X(truncnorm_bf16, TRUNCNORM, BFLOAT16, winit_tn_f32, tf, uint16_t, 4, winit_block_truncnorm_f32,  \
      BF16, NAT, TN)                                                                                  \
    X(polar_f32, POLAR, FLOAT32, winit_polar_f32, pf, float, 4, winit_block_polar_f32, NONE, SOA,     \
      NONE)                                                                                           \
    X(polar_f64, POLAR, FLOAT64, winit_polar_f64, pd, double, 2, winit_block_polar_f64, NONE, SOA,    \
      NONE)

/* WINIT_K_<NAME>: a kernel's index in the list */
#define WINIT__K_ENUM(NAME, ...) WINIT_K_##NAME,
enum { WINIT_KERNELS(WINIT__K_ENUM) WINIT_N_KERNELS };
#undef WINIT__K_ENUM

/* The kernel of (dist, dtype), or -1 where there is none. */
#define WINIT__K_FIND(NAME, DIST, DTYPE, ...) \
    if (dist == WINIT_DIST_##DIST && dtype == WINIT_DT_##DTYPE) return WINIT_K_##NAME;
WINIT_HD int winit_kernel_of(int dist, int dtype) {
    WINIT_KERNELS(WINIT__K_FIND)
    return -1;
}
#undef WINIT__K_FIND

#endif /* WINIT_KERNELS_H */
