/* simd_level.h -- which SIMD levels this build has, and how a translation unit is
 * compiled for one: WINIT_TARGET_BEGIN("isa,...") / WINIT_TARGET_END around the
 * code (gcc: #pragma GCC target, clang: #pragma clang attribute). No -march flags:
 * the portable level runs on any CPU, the others are chosen at run time. */
#ifndef WINIT_SIMD_LEVEL_H
#define WINIT_SIMD_LEVEL_H

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(WINIT_NO_SIMD)
#define WINIT_X86_SIMD 1
#else
#define WINIT_X86_SIMD 0
#endif

#define WINIT_PRAGMA_(x) _Pragma(#x)
#if defined(WINIT_EMULATE_AVX512) /* tests: compiled for the host, intrinsics emulated */
#define WINIT_TARGET_BEGIN(isa)
#define WINIT_TARGET_END
#elif defined(__clang__)
#define WINIT_TARGET_BEGIN(isa) \
    WINIT_PRAGMA_(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define WINIT_TARGET_END WINIT_PRAGMA_(clang attribute pop)
#else
#define WINIT_TARGET_BEGIN(isa) WINIT_PRAGMA_(GCC push_options) WINIT_PRAGMA_(GCC target(isa))
#define WINIT_TARGET_END WINIT_PRAGMA_(GCC pop_options)
#endif

/* Block-fill plumbing shared by fill_blocks.h and simd_philox.h:
 * a chunk of WINIT_CHUNK blocks, its words in one of two layouts,
 *   WINIT_SOA: w[j * WINIT_CHUNK + i] = word j of block i
 *   WINIT_NAT: w[4 * i + j]           = word j of block i (natural order). */
#define WINIT_CHUNK 256 /* blocks per pass: 4 KiB of words */
#define WINIT_SOA 0
#define WINIT_NAT 1

/* name##WINIT_SFX: the per-level copies of the block fills */
#define WINIT_CAT2(a, b) a##b
#define WINIT_CAT(a, b) WINIT_CAT2(a, b)
#define WINIT_FN(name) WINIT_CAT(name, WINIT_SFX)

#endif /* WINIT_SIMD_LEVEL_H */
