"""CLI commands about the vault itself: init, members, check, rekey, backup, restore, audit,
settings."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from btam_desktop.cli.common import (
    Context,
    UsageError,
    first_line,
    handed_file,
    keyring_note,
    output_file,
    safe_text,
    table,
)
from btam_desktop.core import audit, audit_anchor, backup, vault
from btam_desktop.core.errors import IntegrityProblem, InvalidInput
from btam_desktop.core.fileio import atomic_write_text
from btam_desktop.core.model import ROLES


def cmd_init(ctx: Context) -> int:
    """Create a vault with its first member (a team lead) and show the recovery key once."""
    args = ctx.args
    path = ctx.vault_path
    if vault.vault_exists(path):
        raise UsageError(f"a vault already exists at {path}; it was not touched")
    # The first passphrase may come from either the "new" or the plain passphrase sources.
    if args.new_passphrase_file or os.environ.get("BTAM_NEW_PASSPHRASE"):
        secret = ctx.new_passphrase(args.member_name)
    elif getattr(args, "passphrase_file", None) or os.environ.get("BTAM_PASSPHRASE"):
        secret = ctx.passphrase()
    else:
        secret = ctx.new_passphrase(args.member_name)
    assert secret is not None
    session, recovery = vault.create_vault(
        path, member_name=args.member_name, new_passphrase=secret, role=args.role,
        badge=args.badge or "", agency=args.agency or "")
    session.lock()
    if args.recovery_key_file:
        atomic_write_text(Path(args.recovery_key_file), recovery + "\n")
        where = f"written to {args.recovery_key_file} (readable by you only)"
        shown = ""
    else:
        where = "shown below, ONCE"
        shown = f"\n    {recovery}\n"
    ctx.emit(
        {"vault": str(path), "member": args.member_name, "role": args.role,
         "recovery_key_file": args.recovery_key_file},
        f"Created vault {path} for {args.member_name} (team lead).\n"
        f"Recovery key {where}: write it on paper and keep it locked away. It unlocks the"
        f" vault and resets passphrases if every passphrase is lost.{shown}",
    )
    if ctx.as_json and not args.recovery_key_file:
        print(f"Recovery key (shown once): {recovery}", file=sys.stderr)
    return 0


def cmd_member_add(ctx: Context) -> int:
    """Add a team member with their own passphrase."""
    with ctx.unlock() as session:
        secret = ctx.new_passphrase(ctx.args.name)
        assert secret is not None
        member = session.add_member(ctx.args.name, ctx.args.role, secret,
                                    badge=ctx.args.badge or "")
        ctx.emit({"id": member.id, "name": member.name, "role": member.role},
                 f"Added {member.name} ({member.role}).")
    return 0


def cmd_member_list(ctx: Context) -> int:
    """List team members."""
    with ctx.unlock() as session:
        members = session.members(include_inactive=ctx.args.all)
        # A member from another laptop is a team lead only if the roster says so.
        from btam_desktop.core.sync import team

        shown = team.member_roles(session)
        ctx.emit(
            [{"id": m.id, "name": m.name, "badge": m.badge, "role": m.role,
              "team_role": shown.get(m.id, m.role), "active": m.active} for m in members],
            table([[m.name, m.badge, shown.get(m.id, m.role), "yes" if m.active else "removed"]
                   for m in members], ["NAME", "BADGE", "ROLE", "ACTIVE"]),
        )
    return 0


def cmd_member_remove(ctx: Context) -> int:
    """Remove a member (their key slot is deleted; the audit trail keeps their name)."""
    with ctx.unlock() as session:
        session.remove_member(ctx.args.name)
        ctx.emit({"removed": ctx.args.name, "rekeyed": True},
                 f"Removed {ctx.args.name} and re-encrypted the vault under a new key: a copy"
                 " of the key file they may have kept opens only copies of the vault made"
                 " before now (old backups).")
    return 0


def cmd_member_passwd(ctx: Context) -> int:
    """Set one member's passphrase."""
    with ctx.unlock() as session:
        secret = ctx.new_passphrase(ctx.args.name)
        assert secret is not None
        session.set_passphrase(ctx.args.name, secret)
        if ctx.args.rekey:
            session.rekey()
        ctx.emit({"member": ctx.args.name, "rekeyed": bool(ctx.args.rekey)},
                 f"Passphrase of {ctx.args.name} changed."
                 + (" Vault re-encrypted under a new key." if ctx.args.rekey else
                    " An old copy of the key file still opens the vault with the old"
                    " passphrase until `btam rekey` (or add --rekey)."))
    return 0


def cmd_recovery_reissue(ctx: Context) -> int:
    """A new recovery key (team leads): the old one stops working at once. Shown once (or
    written owner-only to a file), then confirmed as written down by re-typing its last
    group, as in the app; exit 1 when it was not (the app then keeps reminding)."""
    args = ctx.args
    out = Path(args.recovery_key_file) if args.recovery_key_file else None
    if out is not None and out.exists():
        raise UsageError(f"{out} already exists; it was not touched")
    with ctx.unlock() as session:
        key = session.reissue_recovery_key()
        if out is not None:
            atomic_write_text(out, key + "\n")
            print(f"New recovery key written to {out} (readable by you only). The old key no"
                  " longer opens the vault.", file=sys.stderr)
        else:
            print("New recovery key, shown ONCE (the old key no longer opens the vault); write"
                  f" it on paper and keep it locked away:\n\n    {key}\n", file=sys.stderr)
        print("Type its last group of six digits to confirm you wrote it down: ", end="",
              file=sys.stderr, flush=True)
        typed = sys.stdin.readline().strip()
        confirmed = typed == key.rsplit("-", 1)[-1]
        if confirmed:
            session.set_recovery_key_confirmed(True)
        del key
        ctx.emit({"reissued": True, "confirmed": confirmed,
                  "recovery_key_file": str(out) if out else None},
                 "Recovery key confirmed." if confirmed else
                 "Not confirmed: that is not the last group. Run `btam recovery reissue` again"
                 " and write the new key down.")
    return 0 if confirmed else InvalidInput.exit_code


def cmd_check(ctx: Context) -> int:
    """Integrity of the encrypted pages, the database and the audit chain (exit 3 if not)."""
    with ctx.unlock() as session:
        problems = session.check()
        notes = audit.notes(session.db)
    ctx.emit({"ok": not problems, "problems": problems, "notes": notes},
             ("Vault OK: encrypted pages, database structure, audit chain and its signatures,"
              " the key file's audit anchor and the dissemination log verified."
              if not problems else "Problems found:\n"
              + "\n".join(f"  - {safe_text(p)}" for p in problems))
             + "".join(f"\nNote: {safe_text(n)}" for n in notes))
    return 0 if not problems else IntegrityProblem.exit_code


def cmd_rekey(ctx: Context) -> int:
    """New random database key; every slot resealed; optionally a new passphrase."""
    with ctx.unlock() as session:
        who = session.member.name if session.member else None
        secret = ctx.new_passphrase(who, allow_keep=True) if who else None
        dropped = session.rekey()
        if secret is not None and who:
            session.set_passphrase(who, secret)
        text = ("Vault re-encrypted under a new key; every member's passphrase still works"
                + (" (yours is changed)." if secret is not None else "."))
        if dropped:
            text += ("\nKey slots the vault never issued were dropped, not resealed:\n"
                     + "\n".join(f"  - {safe_text(d)}" for d in dropped))
        ctx.emit({"rekeyed": True, "passphrase_changed": secret is not None,
                  "dropped_slots": dropped}, text)
    return 0


class _Percent:
    """``progress(done, total)`` for a long copy (a backup or restore of a large vault to or
    from a USB stick takes a minute): "Backing up: N %" on stderr in a terminal, nothing for
    a script or under --json. Ends its line when the block ends."""

    def __init__(self, ctx: Context, what: str) -> None:
        self.shown = sys.stderr.isatty() and not ctx.as_json
        self.what = what
        self.said: int | None = None

    def __call__(self, done: int, total: int) -> bool:
        percent = done * 100 // max(total, 1)
        if self.shown and percent != self.said:
            self.said = percent
            print(f"\r{self.what}: {percent} %", end="", file=sys.stderr, flush=True)
        return True

    def __enter__(self) -> _Percent:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.said is not None:
            print(file=sys.stderr)  # the next line starts on its own
            self.said = None


def cmd_backup(ctx: Context) -> int:
    """Write an encrypted backup file."""
    out = output_file(ctx.args.out, force=ctx.args.force)
    with ctx.unlock() as session, _Percent(ctx, "Backing up") as progress:
        session.backup(out, progress)
    ctx.emit({"backup": str(out)},
             f"Encrypted backup written to {out}. It opens with the passphrases and the"
             " recovery key valid today.")
    return 0


def cmd_restore(ctx: Context) -> int:
    """Restore a backup to the vault path, after proving that it opens."""
    args = ctx.args
    recovery = None
    secret = None
    if args.use_recovery_key:
        recovery = first_line(args.use_recovery_key)
    else:
        secret = ctx.passphrase("Passphrase valid in the backup: ")
        if secret is None:
            raise UsageError("no passphrase given for the backup")
    def run(other: bool) -> Path | None:
        with _Percent(ctx, "Restoring") as progress:
            return backup.restore(
                handed_file(args.backup), ctx.vault_path, passphrase_text=secret,
                recovery_key=recovery, member=ctx.member, replace_existing=args.replace,
                replace_other_vault=other, progress=progress)

    try:
        kept = run(args.yes_replace_other_vault)
    except backup.OtherVault as exc:
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise UsageError(f"{exc}: add --yes-replace-other-vault") from None
        print(f"btam: {exc}.", file=sys.stderr)
        if input("Replace that other vault? Type 'replace' to confirm: ").strip() != "replace":
            raise UsageError("not restored: the other vault was left as it was") from None
        kept = run(True)
    text = f"Restored {args.backup} to {ctx.vault_path}."
    if kept:
        text += f" The vault it replaced is kept as {kept}."
    ctx.emit({"restored": str(ctx.vault_path), "replaced_kept_as": str(kept) if kept else None},
             text)
    return 0


def cmd_audit(ctx: Context) -> int:
    """Show the audit trail, or verify its chain."""
    with ctx.unlock() as session:
        if ctx.args.audit_action == "verify":
            problems = audit.verify(session.db)
            notes = audit.notes(session.db)
            for earlier in ctx.args.against or []:
                # A backup made before: the anchor in its header must still hold.
                found, said = audit_anchor.against_backup(session.db, Path(earlier))
                problems += found
                notes += said
            ctx.emit({"ok": not problems, "problems": problems, "notes": notes},
                     ("Audit trail intact: no entry edited, removed, reordered or signed by"
                      " anyone but the member it names; the key file's anchor and the"
                      " dissemination log agree with it."
                      if not problems else "Audit trail damaged:\n"
                      + "\n".join(f"  - {safe_text(p)}" for p in problems))
                     + "".join(f"\nNote: {safe_text(n)}" for n in notes))
            return 0 if not problems else IntegrityProblem.exit_code
        record = ctx.args.record or None
        if record:
            # A case number becomes its id; anything else is taken as another record's id.
            with contextlib.suppress(InvalidInput):
                record = session.store.resolve_case_id(record)
        entries = session.store.audit_trail(record_id=record, limit=ctx.args.limit)
        ctx.emit([e.to_json() for e in entries], table(
            [[e.at[:19].replace("T", " "), e.member_name, e.action, e.record_type or "",
              (e.record_id or "")[:13]] for e in entries],
            ["WHEN (UTC)", "MEMBER", "ACTION", "RECORD", "ID"]))
    return 0


def cmd_settings(ctx: Context) -> int:
    """Show or change vault settings (agency, idle lock minutes)."""
    with ctx.unlock() as session:
        if ctx.args.key:
            if ctx.args.key not in SETTINGS:
                raise UsageError(f"unknown setting; known: {', '.join(SETTINGS)}")
            if ctx.args.value is None:
                raise UsageError("give a value to set")
            session.set_setting(ctx.args.key, ctx.args.value)
        values: dict[str, Any] = {k: session.setting(k, d) for k, d in SETTINGS.items()}
        values["idle_minutes"] = session.idle_minutes
        values["remember_on_device"] = keyring_note()
        ctx.emit(values, "\n".join(f"{k}: {v}" for k, v in values.items()))
    return 0


SETTINGS = {"agency": "", "idle_minutes": "15", "sensitivity_banner":
            "CONFIDENTIAL — law enforcement sensitive"}


def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add this module's commands to the top-level subparsers."""
    p = sub.add_parser("init", parents=[json_parent], help="create a new vault")
    p.add_argument("--member", dest="member_name", required=True, help="first member's name")
    # The first member of every vault is its lead, an officer's own laptop included: a team's
    # rights come from its roster (core/sync/team.py), not from this role. Kept for scripts.
    p.add_argument("--role", default="lead", choices=("lead",),
                   help="the first member is the vault's lead (the only choice)")
    p.add_argument("--badge")
    p.add_argument("--agency")
    p.add_argument("--recovery-key-file", help="write the recovery key here (owner-only)")
    p.add_argument("--new-passphrase-file")
    p.set_defaults(func=cmd_init)

    member = sub.add_parser("member", help="team members").add_subparsers(
        dest="member_action", required=True)
    p = member.add_parser("add", parents=[json_parent], help="add a member")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--badge")
    p.add_argument("--new-passphrase-file")
    p.set_defaults(func=cmd_member_add)
    p = member.add_parser("list", parents=[json_parent], help="list members")
    p.add_argument("--all", action="store_true", help="include removed members")
    p.set_defaults(func=cmd_member_list)
    p = member.add_parser("remove", parents=[json_parent], help="remove a member")
    p.add_argument("name")
    p.set_defaults(func=cmd_member_remove)
    p = member.add_parser("passwd", parents=[json_parent], help="set a member's passphrase")
    p.add_argument("name")
    p.add_argument("--rekey", action="store_true",
                   help="also re-encrypt the vault, so old key file copies open nothing new")
    p.add_argument("--new-passphrase-file")
    p.set_defaults(func=cmd_member_passwd)

    recovery = sub.add_parser("recovery", help="the recovery key").add_subparsers(
        dest="recovery_action", required=True)
    p = recovery.add_parser("reissue", parents=[json_parent],
                            help="issue a new recovery key; the old one stops working")
    p.add_argument("--recovery-key-file",
                   help="write the new key here (owner-only) instead of showing it")
    p.set_defaults(func=cmd_recovery_reissue)

    sub.add_parser("check", parents=[json_parent],
                   help="verify integrity and the audit chain").set_defaults(func=cmd_check)
    p = sub.add_parser("rekey", parents=[json_parent], help="re-encrypt under a new key")
    p.add_argument("--new-passphrase-file")
    p.set_defaults(func=cmd_rekey)
    p = sub.add_parser("backup", parents=[json_parent], help="write an encrypted backup")
    p.add_argument("out")
    p.add_argument("--force", action="store_true", help="replace an existing file of that name")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", parents=[json_parent], help="restore an encrypted backup")
    p.add_argument("backup")
    p.add_argument("--replace", action="store_true",
                   help="replace an existing vault (it is kept beside, renamed)")
    p.add_argument("--yes-replace-other-vault", action="store_true",
                   help="with --replace: replace it even if it is not the vault the backup"
                        " was made from")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("audit", parents=[json_parent], help="show or verify the audit trail")
    p.add_argument("audit_action", nargs="?", choices=["verify"])
    p.add_argument("--record", help="only entries about this case number or record id")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--against", action="append", metavar="BACKUP",
                   help="verify: also compare with the audit anchor of this earlier backup"
                        " (repeatable; its passphrase is not needed)")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("settings", parents=[json_parent], help="show or change settings")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")
    p.set_defaults(func=cmd_settings)
