"""Frozen-build entry point of the `btam` command line."""

import sys

from btam_desktop.cli import main

sys.exit(main())
