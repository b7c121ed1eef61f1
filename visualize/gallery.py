"""Every classroom picture of the margin loss (svg + png), as ``make demo`` writes them.

    python visualize/gallery.py [OUT_DIR] [example options]     is     tinygrad-mm pictures --out OUT_DIR …
"""

import sys

from tinygrad_mm.cli import main
from tinygrad_mm.cli.pictures import script_arguments

if __name__ == "__main__":
    sys.exit(main(["pictures", *script_arguments(sys.argv[1:])]))
