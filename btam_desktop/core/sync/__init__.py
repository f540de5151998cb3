"""Sync between laptops without a server: signed, encrypted bundle files and the team roster.

The pure layer (no database, no Qt): :mod:`.identity` (device key pairs and fingerprints),
:mod:`.limits` (every size and count bound a reader enforces), :mod:`.bundle` (the
``.btambundle`` file: write, inspect, verify and open), :mod:`.roster` (the lead-signed list of
trusted devices) and :mod:`.invite` (invitation and join-request files). The file formats are
documented in ``docs/bundle-format.md``.
"""
