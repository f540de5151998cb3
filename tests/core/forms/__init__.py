"""Tests of the data-defined forms engine (btam_desktop.core.forms)."""
