"""The small example (n = 2, H = 2) with every node: the gradient on every edge, and at each
shared parameter ∂J/∂U[0] = … (via s) + … (via s_c) = ….

    python visualize/small_expanded.py [OUT_DIR]
"""

import sys

from tinygrad_mm.views.gallery import script

if __name__ == "__main__":
    sys.exit(script(["small-expanded"]))
