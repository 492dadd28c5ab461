"""Entry point for `python -m publish`."""

import sys

from publish.cli import main

sys.exit(main())
