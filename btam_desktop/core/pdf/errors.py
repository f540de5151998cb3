"""Errors of the PDF package, mapped by the CLI and UI to messages (exit code 1)."""

from __future__ import annotations

from btam_desktop.core.errors import BtamError, InvalidInput

__all__ = ["PdfRefused", "ProfileError", "ResourceMissing"]


class PdfRefused(InvalidInput):
    """A PDF offered for import was refused; the message says why in plain words."""


class ProfileError(InvalidInput):
    """A redaction profile is unknown or its file is malformed."""


class ResourceMissing(BtamError):
    """A file the application ships (a font) is missing: a broken installation."""
