"""The small example (n = 2, H = 2) with every node: the gradient on every edge, and at each
shared parameter ∂J/∂U[0] = … (via s) + … (via s_c) = ….

    python visualize/small_expanded.py [OUT_DIR] [example options]     is     tinygrad-mm pictures small-expanded --out OUT_DIR …
"""

import sys

from tinygrad_mm.cli import main
from tinygrad_mm.cli.pictures import script_arguments

if __name__ == "__main__":
    sys.exit(main(["pictures", "small-expanded", *script_arguments(sys.argv[1:])]))
