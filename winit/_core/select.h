/* select.h -- sparse_init's zero positions on the host: the k smallest (key, position)
 * pairs of each unit, found and applied in the keys' own layout (no transposed copy).
 * Keys are uint32 words; a pair is (uint64)key << 32 | position, so pairs never tie. */
#ifndef WINIT_SELECT_H
#define WINIT_SELECT_H

#include <stddef.h>
#include <stdint.h>

/* thr[u] = the k-th smallest pair of unit u in [0, n_units), whose key at position q in
 * [0, n_pos) is keys[u * su + q * sq] (strides in elements, any sign). 1 <= k <= n_pos,
 * n_pos < 2^32. Returns 0, or -1 when scratch memory could not be allocated. */
int winit_kth_pairs(const uint32_t *keys, size_t n_units, size_t n_pos, ptrdiff_t su,
                    ptrdiff_t sq, size_t k, uint64_t *thr, int nthreads);

/* Element (u, q) of out is at byte offset u * ou + q * oq, parts * part bytes (part 2, 4
 * or 8: a float16/bfloat16/float32/float64 value; parts 2: complex). It becomes 0 when
 * the pair (keys[u * su + q * sq], q0 + q) is <= thr[u]; any other element that is zero
 * (+-0 in every part) becomes the smallest subnormal of its sign (its first part's
 * lowest bit set), so that the only zeros are the chosen ones. */
void winit_sparse_apply(void *out, ptrdiff_t ou, ptrdiff_t oq, size_t part, int parts,
                        const uint32_t *keys, ptrdiff_t su, ptrdiff_t sq, size_t n_units,
                        size_t n_pos, uint64_t q0, const uint64_t *thr, int nthreads);

#endif /* WINIT_SELECT_H */
