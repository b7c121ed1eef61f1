"""The notes' full example (n = 20, H = 8) with z = Wx + b, a = f(z) and s = U·a collapsed in each branch.

    python visualize/full_collapsed.py [OUT_DIR] [example options]     is     tinygrad-mm pictures full-collapsed --out OUT_DIR …
"""

import sys

from tinygrad_mm.cli import main
from tinygrad_mm.cli.pictures import script_arguments

if __name__ == "__main__":
    sys.exit(main(["pictures", "full-collapsed", *script_arguments(sys.argv[1:])]))
