"""``btam device``, ``btam team``, ``btam bundle``, ``btam conflicts`` and ``btam sync``:
setting up a team of laptops and exchanging encrypted bundles between them.

Setting up: the lead runs `team create NAME`, then `team invite -o FILE
--invite-passphrase-file P` per laptop and tells the passphrase in person or by phone (never
with the file). On the officer's laptop, `team join FILE --invite-passphrase-file P -o
REQUEST` writes a join request for the lead; the lead runs `team approve REQUEST` after the
officer has read out the fingerprint that `device show` prints.

Exchanging: `bundle export -o FILE` and `bundle import FILE...`, or `sync watch --inbox DIR
--outbox DIR` to do both through folders (a USB stick, a network share, Syncthing).

Exit codes: 0 success; 1 invalid input or a refused bundle; 2 wrong passphrase or not
allowed; 3 integrity problem (a bundle whose signature or encryption does not verify).
`bundle import` goes on with the next file after a refusal and exits with the worst code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from btam_desktop.cli import common
from btam_desktop.cli.common import Context, UsageError, first_line, safe_text, table
from btam_desktop.core.errors import DiskFull, InvalidInput, NotFound, PermissionDenied, VaultBusy
from btam_desktop.core.fileio import atomic_write_text
from btam_desktop.core.hlc import Stamp
from btam_desktop.core.ops import TABLES
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, exchange, invite, team
from btam_desktop.core.sync.bundle import BundleRefused
from btam_desktop.core.sync.conflicts import Conflict, Side
from btam_desktop.core.sync.roster import Roster
from btam_desktop.core.sync.watch import FolderWatch, WatchReport

__all__ = ["register"]

HELP = (__doc__ or "").replace("``", "")
RECORD_WORDS = {
    "cases": "case", "timeline": "timeline entry", "tasks": "task", "submissions": "form",
    "persons": "person", "case_persons": "person on case", "case_assignments": "assignment",
    "attachments": "attachment", "partners": "partner", "members": "member",
    "disseminations": "dissemination", "form_definitions": "form definition",
}
VALUE_CHARS = 60


def _path(text: str) -> Path:
    return Path(text).expanduser()


def _names(roster: Roster | None) -> dict[str, str]:
    """{device id: "name (CODE)"} for what the roster knows."""
    if roster is None:
        return {}
    return {d.device_id: d.name if d.code in d.name else f"{d.name} ({d.code})"
            for d in roster.devices}


def _device_label(names: dict[str, str], device_id: str) -> str:
    return names.get(device_id) or f"device {device_id[:8]}"


# -- device and team ------------------------------------------------------------------------------
def cmd_device_show(ctx: Context) -> int:
    """This laptop's identity in the team (no secret)."""
    with ctx.unlock() as session:
        info = team.device_info(session)
    lines = [
        f"This laptop: {safe_text(info['name'])}",
        f"  device id:    {info['device_id']}",
        f"  device code:  {info['code']}",
        f"  fingerprint:  {info['fingerprint']}",
        f"  team:         {safe_text(info['team']) if info['team'] else '(not in a team yet)'}",
        f"  role:         {info['role'] or '-'}",
        f"  status:       {info['status'] or '-'}",
    ]
    if info["team"] and not info["status"]:
        lines[-1] = "  status:       waiting for the lead's approval (not in the roster yet)"
    ctx.emit(info, "\n".join(lines))
    return 0


def cmd_team_create(ctx: Context) -> int:
    """Make this laptop the first lead device of a new team."""
    with ctx.unlock() as session:
        roster = team.create_team(session, ctx.args.name, device_name=ctx.args.device_name)
        info = team.device_info(session)
    ctx.emit(
        {"team": roster.team_name, "team_id": roster.team_id, "version": roster.version,
         "device_id": info["device_id"], "code": info["code"],
         "fingerprint": info["fingerprint"]},
        f"Created team {safe_text(roster.team_name)}; this laptop ({info['code']}) is its"
        f" first lead device.\n  fingerprint: {info['fingerprint']}\n"
        "Next: `btam team invite -o FILE --invite-passphrase-file P` for each laptop.")
    return 0


def cmd_team_invite(ctx: Context) -> int:
    """Write an invitation; the passphrase comes from a file, or is made and written there."""
    out = _path(ctx.args.out)
    if out.exists():
        raise UsageError(f"{out} already exists; choose another name")
    secret_file = _path(ctx.args.invite_passphrase_file)
    generated = not secret_file.exists()
    with ctx.unlock() as session:
        if generated:
            passphrase = invite.new_invite_passphrase()
            atomic_write_text(secret_file, passphrase + "\n")  # owner-only
        else:
            passphrase = first_line(str(secret_file))
        try:
            secret = team.invite(session, out, passphrase, days=ctx.args.days)
        except BaseException:
            if generated:
                secret_file.unlink(missing_ok=True)
            raise
    lines = [f"Wrote the invitation to {out} (valid until {secret.expires_at})."]
    if generated:
        lines += [f"Invitation passphrase (shown once; also written to {secret_file},"
                  " readable by you only):", "", f"    {passphrase}", ""]
    else:
        lines.append(f"It opens with the passphrase in {secret_file}.")
    lines += ["Tell the passphrase to the officer in person or by phone; never send it with"
              " the invitation file.",
              "The officer runs `btam team join FILE --invite-passphrase-file P -o REQUEST`"
              " and hands the request file back to you."]
    ctx.emit({"invitation": str(out), "invitation_id": secret.invitation_id,
              "expires_at": secret.expires_at, "passphrase_file": str(secret_file),
              "passphrase_generated": generated}, "\n".join(lines))
    if ctx.as_json and generated:
        print(f"Invitation passphrase written to {secret_file}: tell it in person or by"
              " phone, never send it with the file.", file=sys.stderr)
    return 0


def _invite_passphrase(ctx: Context) -> str:
    given = ctx.args.invite_passphrase_file
    if given:
        return first_line(str(_path(given)))
    if common._interactive():
        import getpass

        return getpass.getpass("Invitation passphrase (as the lead told it): ")
    raise UsageError("no invitation passphrase: use --invite-passphrase-file or a terminal")


def cmd_team_join(ctx: Context) -> int:
    """Open an invitation and write the join request for the lead."""
    out = _path(ctx.args.out)
    if out.exists():
        raise UsageError(f"{out} already exists; choose another name")
    passphrase = _invite_passphrase(ctx)
    with ctx.unlock() as session:
        opened = team.join(session, common.handed_file(ctx.args.file), passphrase, out,
                           device_name=ctx.args.device_name)
        info = team.device_info(session)
    ctx.emit(
        {"team": opened.team_name, "team_id": opened.team_id, "request": str(out),
         "device_id": info["device_id"], "code": info["code"],
         "fingerprint": info["fingerprint"]},
        f"Joined team {safe_text(opened.team_name)} (waiting for the lead's approval).\n"
        f"The join request is in {out}: hand it to the team lead (USB stick, mail).\n"
        "When the lead approves it, read out this laptop's fingerprint:\n\n"
        f"    {info['fingerprint']}\n")
    return 0


def _pending(session: Session, key: str) -> dict[str, Any]:
    try:
        return team.find_request(session, key)
    except NotFound:
        raise InvalidInput(f"no pending join request from {key!r}; give the request file"
                           " (see `btam team requests`)") from None


def cmd_team_approve(ctx: Context) -> int:
    """Show the request's fingerprint, have it confirmed, and add the laptop to the roster."""
    args = ctx.args
    # In --json mode stdout is for the JSON document: the fingerprint goes to stderr.
    say = sys.stderr if ctx.as_json else sys.stdout
    with ctx.unlock() as session:
        path = _path(args.device)
        if path.is_file():
            request = team.receive_request(session, path)  # "join request refused: ..."
            device_id, name = request.device.device_id, request.device_name
            code, fingerprint = request.device_code, request.device.fingerprint()
        else:
            item = _pending(session, args.device)
            device_id, name = str(item["device_id"]), str(item["device_name"])
            code, fingerprint = str(item["device_code"]), str(item["fingerprint"])
        print(f"Join request from {safe_text(name)} (device code {safe_text(code)})\n"
              f"  fingerprint:  {fingerprint}\n"
              "Compare it with the fingerprint the officer reads out from their laptop"
              " (`btam device show`).", file=say, flush=True)
        if not common.confirm(
                ctx, "Does the officer read the same fingerprint?", without_terminal=(
                    "not approved: compare the fingerprint, then run again with --yes (or in"
                    " a terminal, to be asked); the request stays in `btam team requests`"),
                declined=("Not approved. If the fingerprints differ, the request may not"
                          " come from that officer's laptop; it stays pending.")):
            return 1
        roster = team.approve(session, device_id, role=args.role)
    ctx.emit({"device_id": device_id, "name": name, "code": code, "fingerprint": fingerprint,
              "role": args.role, "roster_version": roster.version},
             f"Approved {safe_text(name)} ({safe_text(code)}) as a {args.role} device; roster"
             f" version {roster.version}.\nThe laptops learn it with your next bundle"
             " (`btam bundle export` or `btam sync watch`).")
    return 0


def cmd_team_requests(ctx: Context) -> int:
    """Join requests waiting for approval."""
    with ctx.unlock() as session:
        items = team.pending_requests(session)
    rows = [[safe_text(i["device_name"]), safe_text(i["device_code"]), i["fingerprint"],
             str(i["received_at"])[:16].replace("T", " "), i["device_id"]] for i in items]
    ctx.emit([{k: i[k] for k in ("device_id", "device_name", "device_code", "fingerprint",
                                 "received_at", "invitation_id")} for i in items],
             table(rows, ["NAME", "CODE", "FINGERPRINT", "RECEIVED (UTC)", "DEVICE ID"]))
    return 0


def cmd_team_revoke(ctx: Context) -> int:
    """Revoke a laptop (lost, stolen, handed back)."""
    say = sys.stderr if ctx.as_json else sys.stdout
    with ctx.unlock() as session:
        target = team.find_device(team.require_roster(session), ctx.args.device)
        # Refused before asking: a laptop that may not revoke, or its own laptop.
        reason = team.lead_refusal(session)
        if reason is not None:
            raise PermissionDenied(reason)
        if target.device_id == session.device_id:
            raise InvalidInput(
                "a lead cannot revoke its own laptop; hand the lead role over first")
        print(f"Revoke {safe_text(target.name)} ({safe_text(target.code)})? Its bundles are"
              " refused from now on and nothing new is sealed to it; to take it back in, it"
              " must join the team again.", file=say, flush=True)
        if not common.confirm(
                ctx, "Revoke this laptop?", without_terminal=(
                    "not revoked: run again with --yes (or in a terminal, to be asked)"),
                declined=f"Not revoked: {safe_text(target.name)} stays in the team."):
            return 1
        roster = team.revoke(session, ctx.args.device)
    ctx.emit({"device_id": target.device_id, "name": target.name, "code": target.code,
              "roster_version": roster.version},
             f"Revoked {safe_text(target.name)} ({target.code}); roster version"
             f" {roster.version}. Its bundles are refused from now on and nothing new is"
             " sealed to it; the other laptops learn it with your next bundle.")
    return 0


def cmd_team_role(ctx: Context) -> int:
    """Name a second lead device or hand the lead role over."""
    with ctx.unlock() as session:
        target = team.find_device(team.require_roster(session), ctx.args.device)
        roster = team.set_role(session, ctx.args.device, ctx.args.role)
    ctx.emit({"device_id": target.device_id, "name": target.name, "code": target.code,
              "role": ctx.args.role, "roster_version": roster.version},
             f"{safe_text(target.name)} ({target.code}) is now a {ctx.args.role} device;"
             f" roster version {roster.version}.")
    return 0


def cmd_team_scope(ctx: Context) -> int:
    """Limit a laptop to its members' assigned cases, or give it the whole case file."""
    with ctx.unlock() as session:
        target = team.find_device(team.require_roster(session), ctx.args.device)
        roster = team.set_scope(session, ctx.args.device, ctx.args.scope)
    what = ("only the cases its members are assigned to; cases that leave its scope are"
            " withdrawn with its next bundle" if ctx.args.scope == "assigned"
            else "the whole case file")
    ctx.emit({"device_id": target.device_id, "name": target.name, "code": target.code,
              "scope": ctx.args.scope, "roster_version": roster.version},
             f"{safe_text(target.name)} ({target.code}) now receives {what};"
             f" roster version {roster.version}.")
    return 0


def cmd_team_roster(ctx: Context) -> int:
    """The team's laptops."""
    with ctx.unlock() as session:
        roster = team.require_roster(session)
        me = session.device_id
    devices = [{"device_id": d.device_id, "name": d.name, "code": d.code, "role": d.role,
                "status": d.status, "scope": d.scope, "fingerprint": d.public.fingerprint(),
                "added_at": d.added_at, "revoked_at": d.revoked_at,
                "this_laptop": d.device_id == me} for d in roster.devices]
    rows = [[safe_text(d["name"]) + (" (this laptop)" if d["this_laptop"] else ""),
             safe_text(d["code"]), str(d["role"]), str(d["status"]), str(d["scope"]),
             str(d["fingerprint"]), str(d["device_id"])] for d in devices]
    ctx.emit({"team": roster.team_name, "team_id": roster.team_id, "version": roster.version,
              "devices": devices},
             f"Team {safe_text(roster.team_name)} (roster version {roster.version})\n"
             + table(rows, ["NAME", "CODE", "ROLE", "STATUS", "SCOPE", "FINGERPRINT",
                            "DEVICE ID"]))
    return 0


# -- bundles --------------------------------------------------------------------------------------
def cmd_bundle_export(ctx: Context) -> int:
    """Write a bundle of what the recipients have not acknowledged (or everything)."""
    out = _path(ctx.args.out)
    # "-o usb/" names a folder (made if missing) even before it exists.
    folder = out.is_dir() or str(ctx.args.out).endswith(("/", os.sep))
    with ctx.unlock() as session:
        if folder:
            out.mkdir(parents=True, exist_ok=True)
            out = out / exchange.default_name(session)
        result = exchange.export_bundle(session, out, to=ctx.args.to, full=ctx.args.full)
        names = _names(team.roster(session))
    c = result.counts
    who = ", ".join(safe_text(_device_label(names, d)) for d in result.recipients)
    what = (f"  {c.get('changes', 0)} change(s) on {c.get('cases', 0)} case(s),"
            f" {c.get('audit', 0)} audit entr(y/ies), {c.get('tombstones', 0)} purge(s),"
            f" {c.get('attachments', 0)} attachment(s)")
    data: dict[str, Any] = {
        "path": str(result.path), "bundle_id": result.bundle_id, "sequence": result.sequence,
        "recipients": result.recipients, "counts": result.counts, "size": result.size}
    scope = "everything" if ctx.args.full else "since last sync"
    if not result.parts:
        ctx.emit(data, f"Wrote bundle #{result.sequence} to {result.path} ({result.size:,}"
                       f" bytes, {scope})\n  for: {who}\n{what}")
        return 0
    # Larger than one bundle may be: several, each a bundle of its own.
    data["parts"] = [{"path": str(part.path), "bundle_id": part.bundle_id,
                      "sequence": part.sequence, "counts": part.counts, "size": part.size}
                     for part in result.parts]
    files = "\n".join(f"    {part.path} (bundle #{part.sequence}, {part.size:,} bytes)"
                      for part in result.parts)
    ctx.emit(data,
             f"Written in {len(result.parts)} parts ({result.size:,} bytes, {scope}):\n"
             f"{files}\n"
             f"  for: {who}\n{what}\n"
             f"  Every part must be imported (in any order); each is a bundle of its own.")
    return 0


def cmd_bundle_import(ctx: Context) -> int:
    """Import bundle files one by one; a refused file does not stop the others."""
    worst = 0
    results: list[dict[str, Any]] = []
    with ctx.unlock() as session:
        for name in ctx.args.files:
            path = _path(name)
            try:
                summary = exchange.import_file(session, common.handed_file(path))
            except (InvalidInput, OSError) as exc:  # refused, tampered, unreadable, no team
                if isinstance(exc, OSError):
                    reason, exit_code = f"cannot read the file ({exc.strerror or exc})", 1
                else:
                    reason = exc.reason if isinstance(exc, BundleRefused) else str(exc)
                    exit_code = exc.exit_code
                worst = max(worst, exit_code)
                results.append({"file": str(path), "refused": reason, "exit_code": exit_code})
                print(f"{safe_text(path.name)}: refused: {safe_text(reason)}",
                      file=sys.stderr)
                continue
            results.append({"file": str(path), **summary.to_json()})
            if not ctx.as_json:
                lines = summary.lines()
                print(safe_text(f"{path.name}: {lines[0]}"))
                for line in lines[1:]:
                    print(safe_text(line))
    if ctx.as_json:
        ctx.emit(results, "")
    return worst


def _plain_size(size: int) -> str:
    return f"{size:,} bytes"


def cmd_bundle_inspect(ctx: Context) -> int:
    """The plain header of a bundle: no vault, no passphrase, nothing decrypted."""
    path = common.handed_file(ctx.args.file)
    try:
        header = exchange.inspect(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path} ({exc.strerror or exc})") from None
    counts = ", ".join(f"{k} {v}" for k, v in sorted(header.counts.items())) or "none"
    lines = [
        f"{safe_text(path.name)}: a BTAM {header.kind} bundle (header only: nothing was"
        " decrypted, and the signature is checked on import, not here)",
        f"  format {header.format_major}.{header.format_minor},"
        f" schema version {header.schema_version}",
        f"  bundle id:         {header.bundle_id}",
        f"  team id:           {header.team_id}",
        f"  written by device: {header.sender_device_id}",
        f"  its fingerprint:   {header.sender_fingerprint}",
        f"  written at:        {header.created_at}",
        f"  number:            #{header.sequence} in that laptop's series",
        "  previous bundle:   " + (f"SHA-256 {header.prev_hash}" if header.prev_hash
                                   else "none (the first bundle from that laptop)"),
        f"  for {len(header.recipients)} laptop(s):",
        *(f"    {r.device_id}  fingerprint {r.fingerprint}" for r in header.recipients),
        f"  counts:            {counts}",
        f"  sizes:             file {_plain_size(header.file_size)}, encrypted payload"
        f" {_plain_size(header.ciphertext_size)}, payload uncompressed"
        f" {_plain_size(header.plain_size)}",
    ]
    ctx.emit(header.to_json(), "\n".join(lines))
    return 0


def _short_time(text: str) -> str:
    return str(text or "")[:16].replace("T", " ")


def cmd_bundle_history(ctx: Context) -> int:
    """Bundles in and out, newest first."""
    with ctx.unlock() as session:
        items = exchange.history(session)
        names = _names(team.roster(session))
    rows = []
    for item in items:
        summary = item["summary"]
        if item["direction"] == "out":
            who = ", ".join(_device_label(names, d) for d in item["recipients"])
            counts = summary.get("counts", {})
            what = (f"{counts.get('changes', 0)} change(s), {counts.get('cases', 0)} case(s)"
                    + (", full" if summary.get("full") else ""))
        else:
            who = _device_label(names, item["sender_device_id"])
            what = (f"{summary.get('applied', 0)} applied, {summary.get('duplicates', 0)}"
                    f" already here, {summary.get('conflicts', 0)} conflict(s),"
                    f" {summary.get('held', 0)} held")
        rows.append([_short_time(item["at"]), item["direction"], f"#{item['sequence']}",
                     safe_text(who), safe_text(item["filename"] or ""), what,
                     safe_text(item["member_name"] or "")])
    ctx.emit(items, table(rows, ["WHEN (UTC)", "DIR", "NUMBER", "FROM / TO", "FILE", "WHAT",
                                 "BY"]))
    return 0


def cmd_bundle_held(ctx: Context) -> int:
    """Records held until the record they belong to arrives."""
    with ctx.unlock() as session:
        items = exchange.held(session)
    rows = [[RECORD_WORDS.get(i["table"], i["table"]), i["record_id"],
             f"{RECORD_WORDS.get(i['waiting_for_table'], i['waiting_for_table'])}"
             f" {i['waiting_for']}", _short_time(i["received_at"])] for i in items]
    text = table(rows, ["RECORD", "ID", "WAITS FOR", "RECEIVED (UTC)"])
    if items:
        text += ("\nThey are applied as soon as a bundle brings what they wait for;"
                 " nothing is dropped.")
    ctx.emit(items, text)
    return 0


def cmd_bundle_forks(ctx: Context) -> int:
    """Two different bundles under one number from one laptop."""
    with ctx.unlock() as session:
        items = exchange.forks(session)
        names = _names(team.roster(session))
    rows = [[safe_text(_device_label(names, str(i["sender_device_id"]))),
             f"#{i['sequence']}", ", ".join(json.loads(str(i["bundle_ids"]))),
             _short_time(str(i["detected_at"]))] for i in items]
    text = table(rows, ["LAPTOP", "NUMBER", "BUNDLES", "DETECTED (UTC)"])
    if items:
        text += ("\nA laptop that sends two different bundles under one number may have been"
                 " cloned or restored from a copy: check it before revoking or re-enrolling.")
    ctx.emit(items, text)
    return 0


# -- conflicts ------------------------------------------------------------------------------------
def _value_text(value: Any) -> str:
    # Quoted: "" and " " stay visible; numbers and lists read as JSON.
    if value is None:
        shown = "(empty)"
    elif isinstance(value, str):
        shown = '"' + safe_text(value) + '"'
    else:
        shown = safe_text(json.dumps(value, ensure_ascii=False))
    return shown if len(shown) <= VALUE_CHARS else shown[: VALUE_CHARS - 1] + "…"


def _when(hlc: str) -> str:
    try:
        millis = Stamp.decode(hlc).millis
    except ValueError:
        return "?"
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _case_number(session: Session, table_name: str, record_id: str) -> str | None:
    if table_name not in TABLES:
        return None
    db = session.db
    if table_name == "cases":
        number = db.scalar("SELECT number FROM cases WHERE id = ?", (record_id,))
    elif "case_id" in {str(r[1]) for r in db.query(f"PRAGMA table_info({table_name})")}:
        number = db.scalar(f"SELECT c.number FROM {table_name} t JOIN cases c"
                           " ON c.id = t.case_id WHERE t.id = ?", (record_id,))
    else:
        return None
    return None if number is None else str(number)


def _short_ids(ids: list[str]) -> dict[str, str]:
    """The shortest unique prefix of each id (at least the kind and 8 characters), unique
    without regard to case: ``conflicts.get`` matches a prefix that way (short ids hold
    capitals, UUID ids may be typed in them)."""
    out = {}
    folded = [other.lower() for other in ids]
    for conflict_id in ids:
        kind, _, rest = conflict_id.partition(":")
        mine = conflict_id.lower()
        length = 8
        while length < len(rest) and any(
                other != mine and other.startswith(f"{kind}:{rest[:length]}".lower())
                for other in folded):
            length += 1
        out[conflict_id] = f"{kind}:{rest[:length]}"
    return out


def _side_json(side: Side, names: dict[str, str]) -> dict[str, Any]:
    return {"change_id": side.change_id, "value": side.value, "member_id": side.member_id,
            "member_name": side.member_name, "device_id": side.device_id,
            "device": names.get(side.device_id), "hlc": side.hlc, "at": _when(side.hlc),
            "reason": side.reason}


def _side_text(label: str, side: Side, names: dict[str, str]) -> str:
    text = (f"    {label} {_value_text(side.value)}  by {safe_text(side.member_name)} on"
            f" {safe_text(_device_label(names, side.device_id))}, {_when(side.hlc)}")
    if side.reason:
        text += f"; reason: {_value_text(side.reason)}"
    return text


def _conflict_json(c: Conflict, short: str, number: str | None,
                   names: dict[str, str]) -> dict[str, Any]:
    return {"id": c.id, "short_id": short, "kind": c.kind, "table": c.table,
            "record_type": RECORD_WORDS.get(c.table, c.table), "record_id": c.record_id,
            "case_number": number, "field": c.field, "critical": c.critical,
            "resolved": c.resolved, "detected_at": c.detected_at,
            "local": _side_json(c.current, names), "incoming": _side_json(c.other, names)}


KIND_WORDS = {"value": "two different values", "trash": "edited while in the trash",
              "fork": "two amendments"}


def cmd_conflicts_list(ctx: Context) -> int:
    """The conflict queue: both values, who and when, critical ones first (marked "!")."""
    with ctx.unlock() as session:
        every = conflicts.listing(session.db, include_resolved=True)
        shown = [c for c in every if ctx.args.all or not c.resolved]
        short = _short_ids([c.id for c in every])
        names = _names(team.roster(session))
        numbers = {c.id: _case_number(session, c.table, c.record_id) for c in shown}
    data = [_conflict_json(c, short[c.id], numbers[c.id], names) for c in shown]
    blocks = []
    for c in shown:
        record = RECORD_WORDS.get(c.table, c.table)
        number = numbers[c.id]
        if c.table == "cases" and number:
            where = f"case {number}"
        elif number:
            where = f"{record} {c.record_id[-8:]} on case {number}"
        else:
            where = f"{record} {c.record_id[-8:]}"
        mark = "!" if c.critical else " "
        state = "  (resolved)" if c.resolved else ""
        blocks.append("\n".join([
            f"{mark} {short[c.id]}  {safe_text(where)}  field {safe_text(c.field)}"
            f"  ({KIND_WORDS.get(c.kind, c.kind)}){state}",
            _side_text("local (in effect):", c.current, names),
            _side_text("incoming (other): ", c.other, names),
        ]))
    open_count = sum(1 for c in shown if not c.resolved)
    critical = sum(1 for c in shown if c.critical and not c.resolved)
    if shown:
        footer = (f"{open_count} open conflict(s), {critical} critical (\"!\": a lead must"
                  " decide). Resolve with `btam conflicts resolve ID --keep local|incoming`"
                  " or `--value V`.")
        text = "\n".join(blocks) + "\n" + footer
    else:
        text = "No open conflicts." if not ctx.args.all else "No conflicts."
    ctx.emit(data, text)
    return 0


def cmd_conflicts_resolve(ctx: Context) -> int:
    """Settle one conflict; the decision travels in the next bundle."""
    args = ctx.args
    with ctx.unlock() as session:
        settled = conflicts.resolve(session, args.id, keep=args.keep, value=args.value)
        number = _case_number(session, settled.table, settled.record_id)
        names = _names(team.roster(session))
    how = {"local": "kept the local value", "incoming": "took the incoming value"}.get(
        args.keep or "", "wrote the merged value")
    where = f" on case {number}" if number else ""
    ctx.emit(_conflict_json(settled, settled.id, number, names),
             f"Resolved {settled.id}{safe_text(where)} (field {safe_text(settled.field)}):"
             f" {how}. The decision reaches the other laptops with your next bundle.")
    return 0


# -- folder watch ---------------------------------------------------------------------------------
def _print_report(ctx: Context, report: WatchReport) -> None:
    if ctx.as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, sort_keys=True), flush=True)
        return
    stamp = datetime.now().strftime("%H:%M:%S")
    for line in report.lines():
        print(f"[{stamp}] {safe_text(line)}", flush=True)


def cmd_sync_watch(ctx: Context) -> int:
    """Import complete bundles from the inbox and write outgoing ones to the outbox."""
    args = ctx.args
    inbox, outbox = _path(args.inbox), _path(args.outbox)
    if args.interval <= 0 or args.settle < 0:
        raise UsageError("--interval must be above 0 and --settle at least 0 seconds")
    if not inbox.is_dir():
        raise UsageError(f"the inbox {inbox} is not a folder")
    with ctx.unlock() as session:
        watch = FolderWatch(session, inbox, outbox, to=args.to, settle_seconds=args.settle)
        if args.once:
            report = watch.scan()
            if report.waiting and args.settle > 0:
                # Files too young to trust: look again once they had time to settle.
                time.sleep(args.settle)
                again = watch.scan()
                _print_report(ctx, report)
                report = again
            _print_report(ctx, report)
            return report.exit_code
        if not ctx.as_json:
            print(f"Watching {inbox} for bundles and writing to {outbox} every"
                  f" {args.interval:g} s. Ctrl+C stops.", flush=True)
        try:
            while True:
                try:
                    _print_report(ctx, watch.scan())
                except (VaultBusy, DiskFull) as exc:  # passing conditions: try again later
                    print(f"btam: {exc}; trying again in {args.interval:g} s",
                          file=sys.stderr, flush=True)
                time.sleep(args.interval)
        except KeyboardInterrupt:
            if not ctx.as_json:
                print("Stopped.")
            return 0


# -- registration ---------------------------------------------------------------------------------
def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add ``device``, ``team``, ``bundle``, ``conflicts`` and ``sync`` to the subparsers."""
    raw = argparse.RawDescriptionHelpFormatter

    device = sub.add_parser("device", help="this laptop's identity in the team").add_subparsers(
        dest="device_action", required=True)
    p = device.add_parser("show", parents=[json_parent],
                          help="device id, code, fingerprint, team, role and status")
    p.set_defaults(func=cmd_device_show)

    teams = sub.add_parser("team", help="the team of laptops: create, invite, join, approve",
                           description=HELP, formatter_class=raw).add_subparsers(
        dest="team_action", required=True)
    p = teams.add_parser("create", parents=[json_parent],
                         help="make this laptop the first lead device of a new team")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--device-name", dest="device_name", metavar="N",
                   help="this laptop's name in the roster")
    p.set_defaults(func=cmd_team_create)

    p = teams.add_parser("invite", parents=[json_parent],
                         help="write an invitation file for a new laptop (leads)")
    p.add_argument("-o", "--out", required=True, metavar="FILE")
    p.add_argument("--invite-passphrase-file", dest="invite_passphrase_file", required=True,
                   metavar="P", help="the invitation passphrase; if P does not exist, one is"
                   " made, written there (owner-only) and shown once")
    p.add_argument("--days", type=int, default=team.INVITE_DAYS,
                   help=f"valid for this many days (1-30, default {team.INVITE_DAYS})")
    p.set_defaults(func=cmd_team_invite)

    p = teams.add_parser("join", parents=[json_parent],
                         help="open an invitation and write the join request for the lead")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--invite-passphrase-file", dest="invite_passphrase_file", metavar="P",
                   help="file holding the passphrase the lead told you (else asked)")
    p.add_argument("-o", "--out", required=True, metavar="REQUEST",
                   help="where to write the join request")
    p.add_argument("--device-name", dest="device_name", metavar="N",
                   help="this laptop's name in the roster")
    p.set_defaults(func=cmd_team_join)

    p = teams.add_parser("approve", parents=[json_parent],
                         help="add a laptop after comparing its fingerprint (leads)")
    p.add_argument("device", metavar="DEVICE_OR_REQUEST_FILE")
    p.add_argument("--role", choices=("member", "lead"), default="member")
    p.add_argument("--yes", action="store_true",
                   help="the fingerprints were compared: do not ask")
    p.set_defaults(func=cmd_team_approve)

    p = teams.add_parser("requests", parents=[json_parent],
                         help="join requests waiting for approval")
    p.set_defaults(func=cmd_team_requests)

    p = teams.add_parser("revoke", parents=[json_parent], help="revoke a laptop (leads)")
    p.add_argument("device", metavar="DEVICE")
    p.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    p.set_defaults(func=cmd_team_revoke)

    p = teams.add_parser("role", parents=[json_parent],
                         help="name a second lead device or hand the lead role over")
    p.add_argument("device", metavar="DEVICE")
    p.add_argument("role", choices=("lead", "member"))
    p.set_defaults(func=cmd_team_role)

    p = teams.add_parser("scope", parents=[json_parent],
                         help="need to know: limit a laptop to its assigned cases (leads)")
    p.add_argument("device", metavar="DEVICE")
    p.add_argument("scope", choices=("assigned", "all"))
    p.set_defaults(func=cmd_team_scope)

    p = teams.add_parser("roster", parents=[json_parent], help="the team's laptops")
    p.set_defaults(func=cmd_team_roster)

    bundles = sub.add_parser("bundle", help="export, import and inspect sync bundles",
                             description=HELP, formatter_class=raw).add_subparsers(
        dest="bundle_action", required=True)
    p = bundles.add_parser("export", parents=[json_parent],
                           help="write what the other laptops have not acknowledged")
    p.add_argument("-o", "--out", required=True, metavar="FILE",
                   help="bundle file to write (or a folder: named after this laptop)")
    p.add_argument("--to", action="extend", nargs="+", metavar="DEVICE",
                   help="only these laptops (id, code or name; default: every other one)")
    p.add_argument("--full", action="store_true", help="everything, not only what is new")
    p.set_defaults(func=cmd_bundle_export)

    p = bundles.add_parser("import", parents=[json_parent],
                           help="import bundle files (exit 1 refused, 3 tampered)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_bundle_import)

    p = bundles.add_parser("inspect", parents=[json_parent],
                           help="show a bundle's plain header (no passphrase needed)")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_bundle_inspect)

    p = bundles.add_parser("history", parents=[json_parent], help="bundles in and out")
    p.set_defaults(func=cmd_bundle_history)
    p = bundles.add_parser("held", parents=[json_parent],
                           help="records waiting for the record they belong to")
    p.set_defaults(func=cmd_bundle_held)
    p = bundles.add_parser("forks", parents=[json_parent],
                           help="two different bundles under one number (a cloned laptop?)")
    p.set_defaults(func=cmd_bundle_forks)

    conflict = sub.add_parser("conflicts", help="the conflict queue").add_subparsers(
        dest="conflicts_action", required=True)
    p = conflict.add_parser("list", parents=[json_parent],
                            help="open conflicts (critical ones marked \"!\")")
    p.add_argument("--all", action="store_true", help="resolved ones too")
    p.set_defaults(func=cmd_conflicts_list)
    p = conflict.add_parser("resolve", parents=[json_parent], help="settle a conflict (leads)")
    p.add_argument("id", metavar="ID", help="the conflict id (a unique start is enough)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--keep", choices=("local", "incoming"))
    how.add_argument("--value", metavar="V", help="a merged value")
    p.set_defaults(func=cmd_conflicts_resolve)

    syncs = sub.add_parser("sync", help="exchange bundles through folders").add_subparsers(
        dest="sync_action", required=True)
    p = syncs.add_parser(
        "watch", parents=[json_parent],
        help="import complete bundles from an inbox folder, write new ones to an outbox")
    p.add_argument("--inbox", required=True, metavar="DIR")
    p.add_argument("--outbox", required=True, metavar="DIR")
    p.add_argument("--once", action="store_true",
                   help="one pass, then exit (1 if a bundle was refused, 3 if tampered)")
    p.add_argument("--interval", type=float, default=10.0, metavar="SECONDS",
                   help="seconds between passes (default 10)")
    p.add_argument("--settle", type=float, default=2.0, metavar="SECONDS",
                   help="a file unchanged for this long is complete (default 2)")
    p.add_argument("--to", action="extend", nargs="+", metavar="DEVICE",
                   help="only write bundles for these laptops")
    p.set_defaults(func=cmd_sync_watch)
