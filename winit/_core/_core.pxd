# C declarations of the header set and the fill loops (all noexcept nogil).
from libc.stdint cimport uint16_t, uint32_t, uint64_t, int32_t, int64_t
from libc.stddef cimport ptrdiff_t

cdef extern from "winit/philox.h" nogil:
    ctypedef struct winit_u32x4:
        uint32_t v[4]
    ctypedef struct winit_u32x2:
        uint32_t v[2]
    winit_u32x4 winit_philox4x32_R(unsigned rounds, winit_u32x4 c, winit_u32x2 k) noexcept

cdef extern from "winit/element.h" nogil:
    ctypedef struct winit_uniform_f32:
        float loc, scale, lo, hi
    ctypedef struct winit_uniform_f64:
        double loc, scale, lo, hi
    ctypedef struct winit_affine_f32:
        float loc, scale
    ctypedef struct winit_affine_f64:
        double loc, scale
    ctypedef struct winit_tn_f64:
        double loc, scale, lo, hi, pa, qb, d, lb, r, omr
        int32_t mode
    ctypedef struct winit_tn_f32:
        float loc, scale, lo, hi, pa, qb, d, lb, r, omr
        int32_t mode
        winit_tn_f64 wide
    ctypedef struct winit_polar_f32:
        float scale, c
        int32_t mode
    ctypedef struct winit_polar_f64:
        double scale, c
        int32_t mode
    winit_tn_f32 winit_tn_setup_f32(double a, double b, double loc, double scale,
                                    double lo, double hi) noexcept
    winit_tn_f64 winit_tn_setup_f64(double a, double b, double loc, double scale,
                                    double lo, double hi) noexcept

cdef extern from "winit/kernels.h" nogil:
    enum:
        WINIT_DIST_BITS, WINIT_DIST_UNIFORM, WINIT_DIST_NORMAL, WINIT_DIST_TRUNCNORM, WINIT_DIST_POLAR
        WINIT_DT_FLOAT32, WINIT_DT_FLOAT64, WINIT_DT_FLOAT16, WINIT_DT_BFLOAT16, WINIT_DT_UINT32
        WINIT_N_KERNELS
    ctypedef struct winit_knone:
        int32_t unused
    int winit_kernel_of(int dist, int dtype) noexcept

cdef extern from "fill.h" nogil:
    ctypedef struct winit_fill_spec:
        uint32_t k0, k1
        uint64_t stream
        int32_t dist, dtype
        winit_knone kn
        winit_uniform_f32 uf
        winit_uniform_f64 ud
        winit_affine_f32 af
        winit_affine_f64 ad
        winit_tn_f32 tf
        winit_tn_f64 td
        winit_polar_f32 pf
        winit_polar_f64 pd
    ctypedef struct winit_kernel_info:
        const char *name
        int32_t dist, dtype, epb
        uint32_t itemsize, param_size, param_offset
    const winit_kernel_info winit_kernel_infos[]
    ctypedef struct winit_fill_layout:
        const uint64_t *row_start
        uint64_t start
        int ndim
        const uint64_t *rows
        const uint64_t *step
        const int64_t *out_step
        size_t len
        int64_t stride
    void winit_fill_region(const winit_fill_spec *s, void *out, const winit_fill_layout *L,
                           size_t e0, size_t e1, int nthreads) noexcept
    size_t winit_layout_rows(const winit_fill_layout *L) noexcept
    void winit_fill_constant(void *out, size_t n, const void *value, size_t esz,
                             int nthreads) noexcept
    void winit_set_num_threads(int n) noexcept
    int winit_get_num_threads() noexcept
    int winit_max_threads() noexcept
    int winit_simd_level() noexcept
    int winit_set_simd_level(int level) noexcept
    int winit_simd_available(int level) noexcept
    long long winit_f16_mismatches(int level, uint32_t start, uint32_t count) noexcept

cdef extern from "winit/transforms.h" nogil:
    float winit_u01_co_f32(uint32_t w) noexcept
    float winit_u01_oc_f32(uint32_t w) noexcept
    float winit_u01_oo_f32(uint32_t w) noexcept
    double winit_u01_co_f64(uint32_t lo, uint32_t hi) noexcept
    double winit_u01_oc_f64(uint32_t lo, uint32_t hi) noexcept
    double winit_u01_oo_f64(uint32_t lo, uint32_t hi) noexcept
    uint16_t winit_f32_to_f16(float x) noexcept
    uint16_t winit_f32_to_bf16(float x) noexcept

cdef extern from "select.h" nogil:
    int winit_kth_pairs(const uint32_t *keys, size_t n_units, size_t n_pos, ptrdiff_t su,
                        ptrdiff_t sq, size_t k, uint64_t *thr, int nthreads) noexcept
    void winit_sparse_apply(void *out, ptrdiff_t ou, ptrdiff_t oq, size_t part, int parts,
                            const uint32_t *keys, ptrdiff_t su, ptrdiff_t sq, size_t n_units,
                            size_t n_pos, uint64_t q0, const uint64_t *thr,
                            int nthreads) noexcept
