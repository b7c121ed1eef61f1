"""Sub-commands of ``tinygrad-mm``; each module exposes ``register(subparsers)``."""
