"""pytest-qt tests of the desktop UI, run offscreen."""
