"""The margin-loss graph, active and inactive (the notes' n = 20, H = 8 example, branches collapsed).

Active: ∂J/∂s = −1 and ∂J/∂s_c = +1 enter at the two scores and W, b, U each feed both
branches.  Inactive (margin met): the hinge is closed and every gradient is 0.

    python visualize/margin_loss.py [OUT_DIR] [example options]     is     tinygrad-mm pictures margin-loss-active margin-loss-inactive --out OUT_DIR …
"""

import sys

from tinygrad_mm.cli import main
from tinygrad_mm.cli.pictures import script_arguments

if __name__ == "__main__":
    sys.exit(main(["pictures", "margin-loss-active", "margin-loss-inactive", *script_arguments(sys.argv[1:])]))
