#!/usr/bin/env bash
# The engine on every Python tinygrad_mm promises (>= 3.10): run the engine and compile tests on each CPython from
# 3.10 to 3.13 this machine has, each in its own small venv (.venv-3.X: pytest, hypothesis and micrograd, whose
# idioms the compile tests run — the engine needs no package), and print ONE line per version: its result, or that it is missing and so NOT tested.
# An interpreter is `python3.X` on PATH, else pyenv's $PYENV_ROOT/versions/3.X*/bin/python3.X; one that does not
# run (a pyenv shim for a version not selected) counts as missing.  Exit 1 if a version present fails.
#   bash scripts/test-pythons.sh                   (make test runs it; PYTHON_VERSIONS="3.10 3.13" to choose)
set -uo pipefail
cd "$(dirname "$0")/.."
VERSIONS=${PYTHON_VERSIONS:-"3.10 3.11 3.12 3.13"}
TESTS=${PYTHON_MATRIX_TESTS:-"tests/test_engine.py tests/test_errors.py tests/test_stale_and_threads.py tests/test_compile.py tests/test_compile_numbers.py tests/test_compile_idioms.py tests/test_codegen.py tests/test_compile_cache.py"}
PIP_ARGS="--quiet --disable-pip-version-check"

find_python() {  # the first working interpreter for version $1, printed; none: exit status 1
    local exe
    for exe in "python$1" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/"python$1"; do
        if command -v "$exe" >/dev/null 2>&1 && "$exe" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$1'.split('.'))))" 2>/dev/null; then
            command -v "$exe"
            return 0
        fi
    done
    return 1
}

status=0
missing=()
for version in $VERSIONS; do
    if ! exe=$(find_python "$version"); then
        echo "Python $version: MISSING on this machine (no working python$version): not tested"
        missing+=("$version")
        continue
    fi
    venv=".venv-$version"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pytest, hypothesis, micrograd" 2>/dev/null; then
        if ! { "$exe" -m venv "$venv" && "$venv/bin/python" -m pip install $PIP_ARGS pytest hypothesis micrograd==0.1.0; } >"$venv.setup.log" 2>&1; then
            echo "Python $version ($exe): could not make $venv (pip install pytest hypothesis micrograd): FAILED, see $venv.setup.log"
            status=1
            continue
        fi
    fi
    # shellcheck disable=SC2086  # TESTS is a list of paths
    if PYTHONPATH="$PWD" "$venv/bin/python" -m pytest -q -p no:cacheprovider $TESTS >"$venv/pytest.log" 2>&1; then
        echo "Python $version ($("$venv/bin/python" -c 'import platform; print(platform.python_version())')): $(tail -n 1 "$venv/pytest.log")"
    else
        echo "Python $version: FAILED ($(tail -n 1 "$venv/pytest.log")); see $venv/pytest.log"
        status=1
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "not tested on Python ${missing[*]}: install it (e.g. pyenv install ${missing[0]}) to test there"
fi
exit $status
