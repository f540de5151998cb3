"""The case view's parts: header, tabs, dialogs and the concern-level badge.

Everything here is a child of the main window (dialogs too, opened with ``open()``), so
locking the vault deletes it with the window; nothing keeps case data anywhere else.
"""
