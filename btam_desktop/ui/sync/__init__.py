"""The Sync page's parts: tables, dialogs, the conflict dialog and the case header's marks."""
