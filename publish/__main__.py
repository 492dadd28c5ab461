"""Entry point for `python -m publish`."""

import sys

from publish.cli import main

if __name__ == "__main__":
    sys.exit(main())
