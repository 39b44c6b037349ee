/* standalone.c -- run fill_fuzz.c's target without libFuzzer: on the files named on
 * the command line, or on N pseudo-random inputs (argv[1] = "-n", argv[2] = N).
 * Used for the valgrind memcheck run and for gcc -fsanitize builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t xs = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) { xs ^= xs << 13; xs ^= xs >> 7; xs ^= xs << 17; return xs; }

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "-n") == 0) {
        long n = atol(argv[2]);
        uint8_t buf[160];
        for (long i = 0; i < n; i++) {
            size_t len = (size_t)(next() % sizeof buf);
            for (size_t j = 0; j < len; j++) buf[j] = (uint8_t)next();
            if (i % 7 == 0) buf[0] = (uint8_t)(i / 7 % 5), len = len < 2 ? 2 : len; /* each dist */
            LLVMFuzzerTestOneInput(buf, len);
        }
        printf("standalone: %ld inputs OK\n", n);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) { perror(argv[a]); return 2; }
        static uint8_t buf[1 << 16];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("standalone: %d files OK\n", argc - 1);
    return 0;
}
