"""Pages of the main window's stacked area, one per navigation entry."""

from btam_desktop.ui.pages.base import Page, PlaceholderPage
from btam_desktop.ui.pages.dashboard import DashboardPage

__all__ = ["DashboardPage", "Page", "PlaceholderPage"]
