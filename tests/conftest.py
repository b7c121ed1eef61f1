"""Shared fixtures for the whole suite (keep this small)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_compile_cache(tmp_path_factory):
    """Compiled steps cache on disk (~/.cache/tinygrad_mm): the suite uses its own folder, never the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the gradient oracle (use dtype=torch.float64); skips, saying why, only if it cannot be imported."""
    return pytest.importorskip(
        "torch", reason="PyTorch is the optional gradient oracle: pip install torch==2.13.0 (CI installs it)"
    )
