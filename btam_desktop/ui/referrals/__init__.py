"""Referrals between teams in the app: contact cards (publish, import after a phone check,
withdraw), incoming referrals (accept as a new case, decline with a reason), acknowledgements,
and "Refer to another team…" on a case. Everything goes through ``core.sync.referral`` and
``core.sync.card``; file work runs through :mod:`btam_desktop.ui.tasks`."""
