"""Fail early, with a clear message, when the Python used to build the venv is too old."""

import sys

if sys.version_info < (3, 10):  # noqa: UP036 (this runs on whatever python3 is, before any venv)
    sys.exit(f"tinygrad_mm needs Python >= 3.10, but {sys.executable} is {sys.version.split()[0]}; run: make PYTHON=python3.11 ...")
