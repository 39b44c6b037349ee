/* simd_portable.c -- the portable level: the block fills of fill_blocks.h compiled for
 * the baseline ISA (gcc vectorises the header's math with what every CPU of the
 * platform has). The reference: every other level equals it bit for bit. */
#include "simd_level.h"
#include "fill.h"

#define WINIT_SFX _portable
#include "fill_blocks.h"

const winit_blocks_fn (*winit_blocks_table_portable_get(void))[WINIT_N_DTYPE] {
    return winit_blocks_table_portable;
}
void winit_f16_convert_portable_ext(uint16_t *o, const float *y, size_t n) {
    f16_convert_portable(o, y, n);
}
