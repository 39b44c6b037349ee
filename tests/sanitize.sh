#!/usr/bin/env bash
# Build winit with -fsanitize=address,undefined in a throwaway clone of this repo's
# HEAD and run the test suite under it (CI job; see docs/reliability.md).
#
#   bash tests/sanitize.sh                 # the default test suite
#   bash tests/sanitize.sh -m slow tests/test_reliability_dists.py   # any pytest args
#
# Env: PYTHON (default: python), WINIT_SAN_DIR (keep the clone there; default: a temp dir,
# removed at exit), WINIT_SAN_REF (commit to test, default HEAD; "WORKTREE" copies the
# working tree including uncommitted changes).
# The extension is never rebuilt in the repo itself: other work may be loading it.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python}
CC=${CC:-gcc}
if [[ -n "${WINIT_SAN_DIR:-}" ]]; then
    WORK=$WINIT_SAN_DIR; rm -rf "$WORK"; mkdir -p "$WORK"
else
    WORK=$(mktemp -d /tmp/winit-san.XXXXXX); trap 'rm -rf "$WORK"' EXIT
fi
if [[ "${WINIT_SAN_REF:-HEAD}" == WORKTREE ]]; then
    mkdir -p "$WORK/src"
    (cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$WORK/src")
else
    git clone -q "$REPO" "$WORK/src"
    git -C "$WORK/src" checkout -q "${WINIT_SAN_REF:-HEAD}"
fi
cd "$WORK/src"
rm -f winit/_core/*.so

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
echo "== building with $SAN"
WINIT_EXTRA_CFLAGS="$SAN" WINIT_EXTRA_LDFLAGS="-fsanitize=address,undefined" \
    "$PY" setup.py -q build_ext --inplace > build.log 2>&1 || { tail -50 build.log; exit 1; }
nm -D winit/_core/_core*.so | grep __asan_ > /dev/null || { echo "extension is not instrumented"; exit 1; }

# Python itself is not instrumented: preload the runtimes, and do not report Python's
# own deliberate leaks at exit (the memory tests check leaks of our code separately).
export LD_PRELOAD="$($CC -print-file-name=libasan.so) $($CC -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export WINIT_SANITIZED=1
"$PY" -c "import winit, sys; print('== testing', winit.__file__); assert winit.__file__.startswith('$WORK')"
# Default: the whole default suite except the tests that run nvcc (a foreign toolchain
# that crashes with libasan preloaded; its host harness is not our extension).
if [[ $# -eq 0 ]]; then set -- tests -k "not nvcc"; fi
echo "== pytest $*"
# --capture=sys: pytest captures Python's sys.stderr only, so a sanitizer report (written
# to file descriptor 2 by the runtime, then the process aborts) reaches the log instead of
# vanishing with a captured test's output. set +e: a failed run still reaches the check.
set +e
"$PY" -m pytest -q -p no:cacheprovider --capture=sys "$@" 2>&1 | tee pytest.log
rc=${PIPESTATUS[0]}
set -e
# (not its warnings: a refused huge allocation, which the memory tests make, is one)
if grep -qE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" pytest.log; then
    echo "== sanitizer reports found"; exit 1
fi
exit "$rc"
