"""Frozen-build entry point of the desktop app."""

import sys

from btam_desktop.ui.app import main

sys.exit(main())
