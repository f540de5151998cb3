"""The vault's key file: a JSON sidecar ``<vault>.keys`` holding the key slots.

It holds no case data: the vault id, per slot a label (the member's name, for the unlock
picker), the sealed keys, the sealed audit signing key and the failed-unlock counter, and the
audit anchor (each device chain's head, signed by a member: :mod:`audit_anchor`). It is
replaced atomically on every change. Without it the vault cannot be opened, so backups carry a copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from btam_desktop.core import handed
from btam_desktop.core.errors import IntegrityProblem, VaultNotFound
from btam_desktop.core.fileio import atomic_write_text
from btam_desktop.core.keyslots import KeySlot

FORMAT = "btam-keys/1"
# A slot is well under 2 KB; thousands of members' slots and the audit anchor fit many times.
MAX_KEYFILE_BYTES = 8 * 1024 * 1024


def keys_path_for(vault_path: Path) -> Path:
    """Where the key file of ``vault_path`` lives."""
    return vault_path.with_name(vault_path.name + ".keys")


@dataclass(frozen=True)
class KeyFile:
    """Parsed key file."""

    vault_id: str
    slots: tuple[KeySlot, ...] = field(default_factory=tuple)
    # The audit chains' heads outside the database they protect (audit_anchor.py); None in
    # key files written before audit anchoring.
    audit_anchor: dict[str, Any] | None = None

    def to_text(self) -> str:
        """Canonical JSON text."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "slots": [slot.to_json() for slot in self.slots],
        }
        if self.audit_anchor is not None:
            data["audit_anchor"] = self.audit_anchor
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_text(cls, text: str) -> KeyFile:
        """Parse; :class:`IntegrityProblem` for anything that is not a key file."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError("unknown key file format")
            slots = tuple(KeySlot.from_json(s) for s in data["slots"])
            anchor = data.get("audit_anchor")
            if anchor is not None and not isinstance(anchor, dict):
                raise ValueError("the audit anchor is not an object")
            return cls(vault_id=str(data["vault_id"]), slots=slots, audit_anchor=anchor)
        except RecursionError:  # nesting deeper than any key file: damaged or hostile
            raise IntegrityProblem("the vault's key file is damaged: nested too deeply") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IntegrityProblem(f"the vault's key file is damaged: {exc}") from None

    def slot(self, slot_id: str) -> KeySlot | None:
        """The slot with ``slot_id``, if any."""
        return next((s for s in self.slots if s.slot_id == slot_id), None)

    def with_slot(self, new: KeySlot) -> KeyFile:
        """A copy with ``new`` replacing the slot of the same id (or appended)."""
        slots = [s for s in self.slots if s.slot_id != new.slot_id]
        index = next((i for i, s in enumerate(self.slots) if s.slot_id == new.slot_id), None)
        if index is None:
            slots.append(new)
        else:
            slots.insert(index, new)
        return replace(self, slots=tuple(slots))

    def without_slot(self, slot_id: str) -> KeyFile:
        """A copy without the slot ``slot_id``."""
        return replace(self, slots=tuple(s for s in self.slots if s.slot_id != slot_id))


def load(vault_path: Path) -> KeyFile:
    """Read the key file beside ``vault_path``."""
    path = keys_path_for(vault_path)
    if not Path(vault_path).exists():
        raise VaultNotFound(f"no vault at {vault_path}")
    try:
        # A vault can be opened from a share: a named pipe there in place of the key file
        # blocked the unlock for ever, and a link to /dev/zero would be read without end.
        text = handed.read_handed(path, MAX_KEYFILE_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise IntegrityProblem(
            f"the vault's key file {path.name} is missing; restore it from a backup"
        ) from None
    except handed.HandedFileTooLarge:
        raise IntegrityProblem(f"the vault's key file {path.name} is larger than a key file"
                               " can be; restore it from a backup") from None
    except handed.HandedFileRefused:
        raise IntegrityProblem(f"the vault's key file {path.name} is not a regular file;"
                               " restore it from a backup") from None
    return KeyFile.from_text(text)


def save(vault_path: Path, keyfile: KeyFile) -> None:
    """Replace the key file atomically (owner-only)."""
    atomic_write_text(keys_path_for(vault_path), keyfile.to_text())
