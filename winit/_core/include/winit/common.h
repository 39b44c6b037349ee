/* winit/common.h -- portability macros shared by the host (gcc/clang/MSVC) and
 * device (nvcc) builds of the header set.  Pure C99, valid C++. */
#ifndef WINIT_COMMON_H
#define WINIT_COMMON_H

#include <stdint.h>

#if defined(__CUDACC__)
#  define WINIT_HD __host__ __device__ static inline
#else
#  define WINIT_HD static inline
#endif

#if defined(__CUDA_ARCH__)
#  define WINIT_DEVICE_CODE 1
#else
#  define WINIT_DEVICE_CODE 0
#  include <string.h> /* memcpy for bit casts */
#  include <math.h>   /* fmaf/fma/sqrtf/sqrt only: correctly rounded everywhere */
#endif

/* Bit casts: CUDA intrinsics on the device, memcpy on the host (no aliasing UB). */
WINIT_HD uint32_t winit_f32_bits(float x) {
#if WINIT_DEVICE_CODE
    return __float_as_uint(x);
#else
    uint32_t u; memcpy(&u, &x, sizeof u); return u;
#endif
}
WINIT_HD float winit_bits_f32(uint32_t u) {
#if WINIT_DEVICE_CODE
    return __uint_as_float(u);
#else
    float x; memcpy(&x, &u, sizeof x); return x;
#endif
}
WINIT_HD uint64_t winit_f64_bits(double x) {
#if WINIT_DEVICE_CODE
    return (uint64_t)__double_as_longlong(x);
#else
    uint64_t u; memcpy(&u, &x, sizeof u); return u;
#endif
}
WINIT_HD double winit_bits_f64(uint64_t u) {
#if WINIT_DEVICE_CODE
    return __longlong_as_double((long long)u);
#else
    double x; memcpy(&x, &u, sizeof x); return x;
#endif
}

#endif /* WINIT_COMMON_H */
