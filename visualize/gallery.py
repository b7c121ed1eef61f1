"""Every classroom picture of the margin loss (svg + png), as ``make demo`` writes them.

    python visualize/gallery.py [OUT_DIR]
"""

import sys

from tinygrad_mm.views.gallery import PICTURES, script

if __name__ == "__main__":
    sys.exit(script(PICTURES))
