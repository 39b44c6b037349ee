#!/usr/bin/env bash
# Build and run the C fuzz target tests/fuzz/fill_fuzz.c (see its header).
#
#   bash tests/fuzz/run.sh libfuzzer [SECONDS]   # clang -fsanitize=fuzzer,address,undefined
#   bash tests/fuzz/run.sh asan [N]              # gcc + ASan/UBSan + OpenMP, N random inputs
#   bash tests/fuzz/run.sh valgrind [N]          # gcc -O1 -g, N inputs under valgrind memcheck
#
# Builds go to ${WINIT_FUZZ_OUT:-/tmp/winit-fuzz}; the corpus to $WINIT_FUZZ_OUT/corpus.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${WINIT_FUZZ_OUT:-/tmp/winit-fuzz}
mkdir -p "$OUT/corpus"
cd "$REPO"
# every C source of the extension except the Cython-generated modules
SRCS=$(ls winit/_core/*.c | grep -v -E '/_core\.c$|/_mathcheck\.c$')
INC="-Iwinit/_core/include -Iwinit/_core"
COMMON="-std=gnu11 -g -ffp-contract=off -fno-math-errno -fno-trapping-math $INC"
mode=${1:-libfuzzer}
case "$mode" in
libfuzzer)
    secs=${2:-60}
    clang -O1 $COMMON -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        tests/fuzz/fill_fuzz.c $SRCS -lm -o "$OUT/fill_fuzz"
    "$OUT/fill_fuzz" -max_total_time="$secs" -print_final_stats=1 -max_len=160 \
        -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$OUT/" "$OUT/corpus" 2>&1 | tee "$OUT/libfuzzer.log" | grep -E "^#[0-9]+ *(DONE|INITED|pulse)|stat::|ERROR|SUMMARY|check failed|runtime error" || true
    exit "${PIPESTATUS[0]}"
    ;;
asan)
    n=${2:-200000}
    gcc -O2 $COMMON -fopenmp -fsanitize=address,undefined -fno-sanitize-recover=undefined \
        tests/fuzz/fill_fuzz.c tests/fuzz/standalone.c $SRCS -lm -o "$OUT/fill_asan"
    "$OUT/fill_asan" -n "$n"
    ;;
valgrind)
    n=${2:-3000}
    gcc -O1 $COMMON tests/fuzz/fill_fuzz.c tests/fuzz/standalone.c $SRCS -lm -o "$OUT/fill_vg"
    valgrind --tool=memcheck --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=all \
        --track-origins=yes "$OUT/fill_vg" -n "$n"
    ;;
*) echo "usage: $0 libfuzzer [SECONDS] | asan [N] | valgrind [N]"; exit 2 ;;
esac
