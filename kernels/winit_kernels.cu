/* winit_kernels.cu -- the CUDA kernels: thin grid-stride loops over the shared header
 * set (winit/_core/include/winit/kernels.h, element.h). No formula of their own: one thread takes
 * one Philox block, computes it with the very winit_block_* function the CPU fill
 * calls, and stores the elements of the block that fall in the requested range.
 *
 * Written as C++ with explicit `extern "C" __global__` entry points (PyCUDA:
 * SourceModule(..., no_extern_c=True)). Compile device code with --fmad=false and
 * no fast math (--prec-div=true --prec-sqrt=true --ftz=false): only then do the
 * float results equal the CPU's bit for bit.
 *
 * Host builds: everything above the kernel section is plain C++ that g++ (and the
 * host pass of nvcc) compile too. The per-work-item function winit_kitem<Op>() is
 * what each GPU thread runs; kernels/host_harness.cpp runs the same function on the
 * CPU, work item by work item, so the tests check the kernels' code path against
 * the CPU core without a GPU.
 *
 * Launch contract (winit/_cuda.py):
 *   out holds nrows * len elements; run r (row r of a region) is elements
 *   row_start[r] .. row_start[r] + len - 1 of stream `stream` and goes to
 *   out + r * len. row_start == NULL means one run starting at `start` (nrows == 1).
 *   Work item w = r * nbmax + k handles Philox block  row_start[r] / EPB + k  of run r,
 *   where nbmax >= the number of blocks any run touches; items past a run's end
 *   store nothing. Items are independent: any grid, any order, same bits. */
#include "winit/kernels.h"

#if defined(__CUDACC__)
#  define WINIT_KFN __host__ __device__ inline
#else
#  define WINIT_KFN inline
#endif

/* ---- one Philox block -> EPB output values, per kernel of winit/kernels.h ----
 * Op::operator()(w, y) fills y[0..EPB-1] with the kernel's block function, exactly as
 * the CPU's block fills do (fill_blocks.h); 16-bit kernels round the float32 values. */
#define WINIT_KAPPLY_NONE(BLOCK, w, p, y) BLOCK(w, &p, y)
#define WINIT_KAPPLY_CONV(BLOCK, w, p, y, CONV) \
    float f[4];                                 \
    BLOCK(w, &p, f);                            \
    for (int j = 0; j < 4; j++) y[j] = CONV(f[j])
#define WINIT_KAPPLY_F16(BLOCK, w, p, y) WINIT_KAPPLY_CONV(BLOCK, w, p, y, winit_f32_to_f16)
#define WINIT_KAPPLY_BF16(BLOCK, w, p, y) WINIT_KAPPLY_CONV(BLOCK, w, p, y, winit_f32_to_bf16)
#define WINIT_KOP(NAME, DIST, DTYPE, PARAM, FIELD, OUT, EPB_, BLOCK, CONV, ...)          \
    struct winit_op_##NAME {                                                          \
        typedef PARAM param_t;                                                        \
        typedef OUT out_t;                                                            \
        enum { EPB = EPB_ };                                                          \
        param_t p;                                                                    \
        WINIT_KFN void operator()(winit_u32x4 w, out_t y[EPB_]) const {               \
            WINIT_KAPPLY_##CONV(BLOCK, w, p, y);                                      \
        }                                                                             \
    };
WINIT_KERNELS(WINIT_KOP)

/* ---- the store of one block's values ----
 * A block wholly inside the run whose destination is aligned to the block's byte size
 * is stored with one vector store on the device (16 bytes per thread for 32/64-bit
 * types, 8 for 16-bit: coalesced across the warp); otherwise element by element.
 * Which path is taken never changes a value. */
template <int BYTES> struct winit_kvec;
#if defined(__CUDACC__)
template <> struct winit_kvec<16> { typedef uint4 type; };
template <> struct winit_kvec<8> { typedef uint2 type; };
#endif

template <class T, int EPB>
WINIT_KFN void winit_kstore_block(T *dst, const T y[EPB]) {
#if WINIT_DEVICE_CODE
    typedef typename winit_kvec<(int)sizeof(T) * EPB>::type V;
    if (((uintptr_t)dst & (sizeof(V) - 1)) == 0) {
        V v;
        memcpy(&v, y, sizeof v);
        *(V *)dst = v;
        return;
    }
#endif
    for (int j = 0; j < EPB; j++) dst[j] = y[j];
}

/* ---- THE per-thread body: work item w of a launch (see the contract above) ---- */
template <class Op>
WINIT_KFN void winit_kitem(const Op &op, uint32_t k0, uint32_t k1, uint64_t stream,
                           const uint64_t *row_start, uint64_t start, uint64_t nrows,
                           uint64_t len, uint64_t nbmax, uint64_t w,
                           typename Op::out_t *out) {
    typedef typename Op::out_t T;
    const unsigned EPB = Op::EPB;
    uint64_t r = 0, k = w;
    if (nrows > 1) {
        r = w / nbmax;
        k = w - r * nbmax;
    }
    const uint64_t lo = row_start ? row_start[r] : start; /* stream index of out[r*len] */
    const uint64_t hi = lo + len;
    const uint64_t b = lo / EPB + k;
    const uint64_t i0 = b * EPB; /* stream index of the block's first element */
    if (i0 >= hi) return;
    T y[Op::EPB];
    op(winit_block_bits(k0, k1, stream, b), y);
    T *dst = out + r * len; /* element i of the stream goes to dst[i - lo] */
    if (i0 >= lo && i0 + EPB <= hi) {
        winit_kstore_block<T, Op::EPB>(dst + (i0 - lo), y);
        return;
    }
    for (unsigned j = 0; j < EPB; j++) {
        uint64_t i = i0 + j;
        if (i >= lo && i < hi) dst[i - lo] = y[j];
    }
}

/* ---- device entry points ---- */
#if defined(__CUDACC__)

#define WINIT_GRID_STRIDE(w, n)                                                        \
    for (uint64_t w = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; w < (n);        \
         w += (uint64_t)gridDim.x * blockDim.x)

/* value kernels winit_k_<NAME>, one per kernel of winit/kernels.h: (params, key,
 * stream, layout, out) -- see the launch contract */
#define WINIT_VALUE_KERNEL(NAME, ...)                                                  \
    WINIT_VALUE_KERNEL_(winit_k_##NAME, winit_op_##NAME)
#define WINIT_VALUE_KERNEL_(NAME, OP)                                                  \
    extern "C" __global__ void NAME(OP::param_t p, uint32_t k0, uint32_t k1,           \
                                    uint64_t stream, const uint64_t *row_start,        \
                                    uint64_t start, uint64_t nrows, uint64_t len,      \
                                    uint64_t nbmax, OP::out_t *out) {                  \
        OP op;                                                                         \
        op.p = p;                                                                      \
        const uint64_t nwork = nrows * nbmax;                                          \
        WINIT_GRID_STRIDE(w, nwork)                                                    \
            winit_kitem(op, k0, k1, stream, row_start, start, nrows, len, nbmax, w, out); \
    }
WINIT_KERNELS(WINIT_VALUE_KERNEL)

/* Structured schemes (zeros/ones/constant, identity, dirac, sparse): a constant
 * fill and a scatter of one value to listed flat indices, per element width (the
 * value is passed as its bit pattern, so one kernel serves every dtype of a width). */
#define WINIT_CONST_KERNELS(SFX, T)                                                    \
    extern "C" __global__ void winit_k_fill_##SFX(uint64_t n, T value, T *out) {       \
        WINIT_GRID_STRIDE(i, n) out[i] = value;                                        \
    }                                                                                  \
    extern "C" __global__ void winit_k_scatter_##SFX(uint64_t n, const int64_t *idx,   \
                                                     T value, T *out) {                \
        WINIT_GRID_STRIDE(i, n) out[idx[i]] = value;                                   \
    }
WINIT_CONST_KERNELS(u16, uint16_t)
WINIT_CONST_KERNELS(u32, uint32_t)
WINIT_CONST_KERNELS(u64, uint64_t)

/* 16-byte elements (complex128): the value as two words, lo then hi */
extern "C" __global__ void winit_k_fill_u128(uint64_t n, uint64_t lo, uint64_t hi, uint64_t *out) {
    WINIT_GRID_STRIDE(i, n) {
        out[2 * i] = lo;
        out[2 * i + 1] = hi;
    }
}
extern "C" __global__ void winit_k_scatter_u128(uint64_t n, const int64_t *idx, uint64_t lo,
                                                uint64_t hi, uint64_t *out) {
    WINIT_GRID_STRIDE(i, n) {
        out[2 * idx[i]] = lo;
        out[2 * idx[i] + 1] = hi;
    }
}

#endif /* __CUDACC__ */
