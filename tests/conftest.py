"""Shared fixtures for the whole suite (keep this small)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the gradient oracle (use dtype=torch.float64); skips, saying why, only if it cannot be imported."""
    return pytest.importorskip(
        "torch", reason="PyTorch is the optional gradient oracle: pip install torch==2.13.0 (CI installs it)"
    )
