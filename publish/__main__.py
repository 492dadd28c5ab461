"""Entry point for `python -m publish`."""

import gc
import sys

from publish.cli import main

if __name__ == "__main__":
    code = main()
    # At exit CPython runs a full collection over everything still alive: after a booklet, millions of
    # layout boxes, about 1 s. Frozen objects are skipped; the OS frees the memory at once instead.
    gc.freeze()
    sys.exit(code)
