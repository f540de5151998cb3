"""``python -m btam_desktop`` runs the command line."""

from btam_desktop.cli import main

raise SystemExit(main())
