"""The ``tinygrad-mm`` command: ``main`` builds the parser from each sub-command's module and runs one."""

from .main import main

__all__ = ["main"]
