"""BTAM Desktop: offline case files and assessment forms for threat assessment teams."""

__version__ = "0.1.0"
