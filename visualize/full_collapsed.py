"""The notes' full example (n = 20, H = 8) with z = Wx + b, a = f(z) and s = U·a collapsed in each branch.

    python visualize/full_collapsed.py [OUT_DIR]
"""

import sys

from tinygrad_mm.views.gallery import script

if __name__ == "__main__":
    sys.exit(script(["full-collapsed"]))
