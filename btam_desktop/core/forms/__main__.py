"""Entry point for ``python -m btam_desktop.core.forms`` (see :mod:`.cli`)."""

import sys

from btam_desktop.core.forms.cli import main

sys.exit(main())
