"""Qt widgets and models over :mod:`btam_desktop.core`; no SQL and no cryptography here."""
