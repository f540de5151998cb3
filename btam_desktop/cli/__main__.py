"""``python -m btam_desktop.cli``: the same as the ``btam`` command."""

from btam_desktop.cli import main

raise SystemExit(main())
